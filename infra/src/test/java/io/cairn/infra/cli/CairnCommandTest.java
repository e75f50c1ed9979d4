package io.cairn.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The launcher's own error handling: a local file the user named and the command cannot use is one line, never a stack trace. */
class CairnCommandTest {
    @TempDir Path dir;

    @Test
    void aMissingFolderIsOneLineNamingItAndExitCodeTwo() {
        Path missing = dir.resolve("no-such-folder");
        Ran ran = run("migrate", "--set", "app", "--dir", missing.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(ran.code).isEqualTo(2);
        assertThat(ran.err.strip()).isEqualTo("cairn migrate: no such file or folder: " + missing);
    }

    @Test
    void aFileInsteadOfAFolderIsOneLineToo() throws Exception {
        Path file = Files.writeString(dir.resolve("V1__x.sql"), "CREATE TABLE t (a);");
        Ran ran = run("migrate", "--set", "app", "--dir", file.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(ran.code).isEqualTo(2);
        assertThat(ran.err.strip()).isEqualTo("cairn migrate: not a folder: " + file);
    }

    @Test
    void anExportIntoAMissingFolderIsRefusedBeforeAnythingIsAsked() {
        Path out = dir.resolve("missing").resolve("acme.sql");
        Ran ran = run("export", "--tenant", "acme", "--format", "sql", "--out", out.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(ran.code).isEqualTo(2);
        assertThat(ran.err.strip()).isEqualTo("cairn export: no folder " + out.getParent() + " to write acme.sql in");
    }

    private record Ran(int code, String err) {}

    private static Ran run(String... args) {
        CommandLine cli = CairnCommand.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        java.io.ByteArrayOutputStream own = new java.io.ByteArrayOutputStream();
        ((ExportCommand) cli.getSubcommands().get("export").getCommand()).err = new java.io.PrintStream(own, true);
        int code = cli.execute(args);
        return new Ran(code, err + own.toString());
    }
}
