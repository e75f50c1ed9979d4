package io.cairn.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A file taken as a SQLite database (its name does not end in .sql) that does not start as one is refused before it is
 * sent, with the option to use: the server's refusal came after the whole upload and told an HTTP client's remedy.
 */
class ImportCommandTest {
    @TempDir
    Path dir;

    @Test
    void aScriptNotNamedDotSqlIsRefusedBeforeItIsSentWithTheOptionToUse() throws Exception {
        Path dump = Files.writeString(dir.resolve("dump.txt"), "CREATE TABLE t (a);\nINSERT INTO t VALUES (1);\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(run(dump, err)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(dump + " is not a SQLite database file").contains("add --format sql");

        ByteArrayOutputStream asScript = new ByteArrayOutputStream();
        run(dump, asScript, "--format", "sql"); // goes on to send it (nothing listens here)
        assertThat(asScript.toString(StandardCharsets.UTF_8)).doesNotContain("is not a SQLite database file");
    }

    private int run(Path file, ByteArrayOutputStream errBytes, String... more) {
        ImportCommand command = new ImportCommand();
        command.err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        command.out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        CommandLine line = new CommandLine(command);
        line.setErr(new java.io.PrintWriter(errBytes, true, StandardCharsets.UTF_8));
        String[] args = {"--tenant", "acme", "--file", file.toString(), "--url", "http://127.0.0.1:9", "--token", "cairn_admin_x"};
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return line.execute(all);
    }
}
