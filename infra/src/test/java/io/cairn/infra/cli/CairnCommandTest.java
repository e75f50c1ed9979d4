package io.cairn.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The launcher's own error handling: a local file the user named and the command cannot use, an API that is not there, a URL that is not one: one line, never a stack trace. */
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
    void aValueTheCommandCannotUseIsOneLineAndExitCodeTwo() {
        Ran ran = run("promote", "--bootstrap", "127.0.0.1:9", "--quiet-for", "xyz");
        assertThat(ran.code).isEqualTo(2);
        assertThat(ran.err.strip()).startsWith("cairn promote: ").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void aFileInsteadOfAFolderIsOneLineToo() throws Exception {
        Path file = Files.writeString(dir.resolve("V1__x.sql"), "CREATE TABLE t (a);");
        Ran ran = run("migrate", "--set", "app", "--dir", file.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(ran.code).isEqualTo(2);
        assertThat(ran.err.strip()).isEqualTo("cairn migrate: not a folder: " + file);
    }

    @Test
    void aFolderWithAGapOrAnEmptyFileIsRefusedBeforeAnyVersionIsRegistered() throws Exception {
        Files.writeString(dir.resolve("V1__create.sql"), "CREATE TABLE t (a);");
        Files.writeString(dir.resolve("V3__later.sql"), "CREATE TABLE u (a);");
        // Port 9 takes no connection: a request made before the check would fail with another message.
        Ran gap = run("migrate", "--set", "app", "--dir", dir.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(gap.err.strip()).isEqualTo("cairn migrate: version 2 is missing in " + dir + " (versions start at 1, without gaps)");
        Files.delete(dir.resolve("V3__later.sql"));
        Files.writeString(dir.resolve("V2__empty.sql"), "-- nothing yet\n");
        Ran empty = run("migrate", "--set", "app", "--dir", dir.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(empty.err.strip()).isEqualTo("cairn migrate: V2__empty.sql holds no statement");
        assertThat(empty.code).isEqualTo(gap.code).isNotZero();
    }

    /** A typo in a later file was found only after the earlier ones were registered, for good (outside probe). */
    @Test
    void aFileTheServerWouldRefuseStopsTheFolderBeforeAnyVersionIsRegistered() throws Exception {
        Files.writeString(dir.resolve("V1__create.sql"), "CREATE TABLE t (a);");
        Files.writeString(dir.resolve("V2__typo.sql"), "CREATE TABL b (x);");
        Ran typo = run("migrate", "--set", "app", "--dir", dir.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(typo.code).isEqualTo(2);
        assertThat(typo.err.strip()).startsWith("cairn migrate: V2__typo.sql: sql_error: statement 1").endsWith("; nothing was registered");
        Files.writeString(dir.resolve("V2__typo.sql"), "INSERT INTO t VALUES (datetime(\"now\", \"localtime\"));");
        Ran clock = run("migrate", "--set", "app", "--dir", dir.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(clock.err.strip()).startsWith("cairn migrate: V2__typo.sql: nondeterministic: ");
    }

    @Test
    void aMigrationThatCannotReachCairnExitsThreeNotTheOneOfAFailedTenant() throws Exception {
        Files.writeString(dir.resolve("V1__create.sql"), "CREATE TABLE t (a);");
        Ran ran = run("migrate", "--set", "app", "--dir", dir.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(ran.code).isEqualTo(3);
        assertThat(ran.err.strip()).startsWith("cairn migrate: cannot reach Cairn's HTTP API");
        assertThat(run("tenants", "ls", "--url", "http://127.0.0.1:9", "--token", "t").code).as("other commands keep 1").isEqualTo(1);
    }

    @Test
    void anExportIntoAMissingFolderIsRefusedBeforeAnythingIsAsked() {
        Path out = dir.resolve("missing").resolve("acme.sql");
        Ran ran = run("export", "--tenant", "acme", "--format", "sql", "--out", out.toString(), "--url", "http://127.0.0.1:9", "--token", "t");
        assertThat(ran.code).isEqualTo(2);
        assertThat(ran.err.strip()).isEqualTo("cairn export: no folder " + out.getParent() + " to write acme.sql in");
    }

    @Test
    void anApiThatIsNotRunningIsOneLineAndExitCodeOne() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Ran ran = run("tenants", "ls", "--url", "http://127.0.0.1:" + closed, "--token", "t");
        assertThat(ran.code).isEqualTo(1);
        assertThat(ran.err.strip()).isEqualTo("cairn tenants ls: cannot reach Cairn's HTTP API (connection refused): is it running, and is --url (or CAIRN_URL) its address?");
        Ran sql = run("sql", "--url", "http://127.0.0.1:" + closed, "--tenant", "acme", "--key", "k", "SELECT 1");
        assertThat(sql.code).isEqualTo(1);
        assertThat(sql.err.strip()).as("the same line, through the Java client").isEqualTo("cairn sql: cannot reach Cairn's HTTP API (connection refused):"
                + " is it running, and is --url (or CAIRN_URL) its address?");
    }

    /** A Kafka that is not there is one line at once, not a minute of a client's warnings before a timeout. */
    @Test
    void aKafkaThatIsNotRunningIsOneLineAndExitCodeOne() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        for (String command : List.of("rebuild", "promote")) {
            Ran ran = run(command, "--bootstrap", "127.0.0.1:" + closed);
            assertThat(ran.code).as(command).isEqualTo(1);
            assertThat(ran.err.strip()).as(command).isEqualTo("cairn " + command + ": cannot reach Kafka at 127.0.0.1:" + closed
                    + ": is it running, and is --bootstrap (or the configuration's bootstrap servers) its address?");
        }
    }

    /** A dev started with --kafka-dir keeps it in its data dir: a restart without the flag and cairn rebuild find the log. */
    @Test
    void theKafkaLogDirOfTheLastDevStartIsFoundFromTheDataDir(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        assertThat(DevCommand.kafkaLog(data)).isEqualTo(data.resolve("kafka"));
        java.nio.file.Files.createDirectories(data);
        java.nio.file.Files.writeString(data.resolve(DevCommand.KAFKA_DIR_FILE), dir.resolve("elsewhere") + "\n");
        assertThat(DevCommand.kafkaLog(data)).isEqualTo(dir.resolve("elsewhere"));
    }

    /** {@code tenants create|rm} name their tenant as the other commands do ({@code --tenant}) or by position; ls and rm answer to list and delete. */
    @Test
    void tenantCommandsTakeTheTenantEitherWayAndTheUsualVerbs() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed;
        for (String[] args : new String[][] {{"tenants", "create", "--tenant", "acme"}, {"tenants", "create", "acme"},
                {"tenants", "delete", "--tenant", "acme"}, {"tenants", "rm", "acme"}, {"tenants", "list"}, {"keys", "list", "--tenant", "acme"}}) {
            String[] full = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--url", url, "--token", "t"))
                    .toArray(String[]::new);
            Ran ran = run(full);
            assertThat(ran.code).as("parsed, then found no API: %s", String.join(" ", args)).isEqualTo(1);
            assertThat(ran.err).as(String.join(" ", args)).contains("cannot reach Cairn's HTTP API");
        }
        java.io.PrintStream before = System.err;
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(said, true));
        try {
            assertThat(run("tenants", "create", "--url", url, "--token", "t").code).isEqualTo(2);
            assertThat(run("tenants", "rm", "acme", "--tenant", "other", "--url", url, "--token", "t").code).isEqualTo(2);
        } finally {
            System.setErr(before);
        }
        assertThat(said.toString()).contains("cairn tenants create: name the tenant").contains("cairn tenants rm: two tenants named");
    }

    @Test
    void aUrlThatIsNotHttpIsRefusedInOneLine() {
        for (String url : new String[] {"notaurl", "ftp://x", "http://[bad", "http:///path"}) {
            Ran ran = run("tenants", "ls", "--url", url, "--token", "t");
            assertThat(ran.code).as(url).isEqualTo(2);
            assertThat(ran.err.lines().findFirst().orElseThrow()).as(url).contains("must be http:// or https:// with a host").doesNotContain("Exception");
            Ran sql = run("sql", "--url", url, "--tenant", "acme", "--key", "k", "SELECT 1");
            assertThat(sql.code).as(url).isEqualTo(2);
            assertThat(sql.err.strip()).as(url).startsWith("cairn sql: Cairn's URL must be http:// or https:// with a host");
        }
    }

    @Test
    void anEmptyStatementIsMisuse() {
        Ran ran = run("sql", "--url", "http://127.0.0.1:9", "--tenant", "acme", "--key", "k", " ");
        assertThat(ran.code).isEqualTo(2);
        assertThat(ran.err.strip()).isEqualTo("cairn sql: the statement is empty");
    }

    @Test
    void serveOnATakenHttpPortIsOneLineBeforeAnythingStarts() throws Exception {
        try (java.net.ServerSocket held = new java.net.ServerSocket(0)) {
            Path yaml = Files.writeString(dir.resolve("cairn.yaml"), "data_dir: " + dir.resolve("data") + "\nhttp_port: " + held.getLocalPort()
                    + "\nroles: [edge]\nkafka: {bootstrap_servers: 127.0.0.1:9}\n");
            Ran ran = run("serve", "--config", yaml.toString());
            assertThat(ran.code).isEqualTo(2);
            assertThat(ran.err.strip()).isEqualTo("cairn: http_port " + held.getLocalPort() + " is taken; stop what holds it, or set another http_port in " + yaml);
        }
    }

    @Test
    void aDataDirThatIsAFileSaysSo() throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "not a folder");
        Ran ran = run("dev", "--data-dir", file.toString(), "--port", "0");
        assertThat(ran.code).isEqualTo(2);
        assertThat(ran.err.strip()).isEqualTo("cairn dev: a file is there, where a folder is needed: " + file);
    }

    @Test
    void aBadValueFromAnEnvironmentVariableNamesTheVariableInOneLine() throws Exception {
        // picocli reads ${env:...} itself, so the variable is set the only way there is: in a process of its own.
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CairnCommand.class.getName(), "dev", "--data-dir", dir.resolve("d").toString())
                .redirectErrorStream(true);
        pb.environment().put("CAIRN_HTTP_PORT", "abc");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(out.lines().filter(l -> !l.startsWith("WARNING")).toList()).containsExactly(
                "Invalid value for option '--port': 'abc' is not an int, taken from the environment variable CAIRN_HTTP_PORT: fix it or unset it");
        assertThat(run("dev", "--port", "abc").err).startsWith("Invalid value for option '--port': 'abc' is not an int" + System.lineSeparator() + "Usage:");
    }

    @Test
    void aRefusedCommandLineNeverRepeatsATokenOrAKey() {
        String token = "cairn_admin_v2XooRETZntdfq0saojF172fHEFjZDrY4x3elu3la3I";
        String key = "cairn_af8cbd0c6aa20c99_tvGZfRKqarN4vU3DuSapQ-ciaZP1G1CLxiQz3Sr29i0";
        for (String[] args : List.of(
                new String[] {"status", "--url", "http://127.0.0.1:9", "--token", token},   // no such command
                new String[] {"tenants", "list", "--tokn", "my-own-admin-secret"},           // a misspelled option
                new String[] {"tenants", "list", "--token=my-own-admin-secret", "extra"},   // an extra argument
                new String[] {"sql", "--tenant", "a", key, "SELECT 1"})) {                   // a key without --key
            Ran ran = run(args);
            assertThat(ran.code).as(String.join(" ", args)).isEqualTo(2);
            assertThat(ran.err).as(ran.err).doesNotContain(token).doesNotContain(key).doesNotContain("my-own-admin-secret");
        }
        assertThat(run("status", "--token", token).err).startsWith("Unmatched arguments from index 0: 'status', '--token', '" + SecretArguments.HIDDEN + "'")
                .contains("Did you mean");
    }

    @Test
    void everyCommandAndSubcommandAnswersHelp() {
        java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(CairnCommand.commandLine()));
        int seen = 0;
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            todo.addAll(c.getSubcommands().values());
            seen++;
            assertThat(c.getCommandSpec().mixinStandardHelpOptions()).as(c.getCommandSpec().qualifiedName()).isTrue();
        }
        assertThat(seen).isGreaterThan(15);
        assertThat(run("tenants", "ls", "--help").code).isZero();
    }

    private record Ran(int code, String err) {}

    private static Ran run(String... args) {
        CommandLine cli = CairnCommand.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        java.io.ByteArrayOutputStream own = new java.io.ByteArrayOutputStream();
        ((ExportCommand) cli.getSubcommands().get("export").getCommand()).err = new java.io.PrintStream(own, true);
        ((MigrateCommand) cli.getSubcommands().get("migrate").getCommand()).err = new java.io.PrintStream(own, true);
        ((PromoteCommand) cli.getSubcommands().get("promote").getCommand()).err = new java.io.PrintStream(own, true);
        ((RebuildCommand) cli.getSubcommands().get("rebuild").getCommand()).err = new java.io.PrintStream(own, true);
        int code = cli.execute(args);
        return new Ran(code, err + own.toString());
    }
}
