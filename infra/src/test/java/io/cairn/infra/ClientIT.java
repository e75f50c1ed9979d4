package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.client.Cairn;
import io.cairn.client.CairnException;
import io.cairn.client.ConflictException;
import io.cairn.client.Database;
import io.cairn.client.ExecuteResult;
import io.cairn.client.QueryResult;
import io.cairn.client.Session;
import io.cairn.client.Statement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client (clients/java) against a real stack: sessions, values, idempotency, errors, optimistic transactions. */
class ClientIT {
    @TempDir static Path data;
    static TestStack stack;
    static Cairn cairn;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(data);
        cairn = Cairn.builder().url(stack.url()).token(ADMIN).build();
    }

    @AfterAll
    static void stop() {
        if (cairn != null) cairn.close();
        if (stack != null) stack.close();
    }

    @Test
    void valuesRoundTripExactlyAndASessionReadsItsOwnWrites() {
        Cairn.NewTenant t = cairn.createTenant("cl-values");
        Session s = cairn.database("cl-values", t.apiKey()).session();
        s.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, big INTEGER, r REAL, t TEXT, b BLOB, n)");
        byte[] blob = {0, 1, (byte) 0xff, 42};
        ExecuteResult w = s.execute("INSERT INTO v (big, r, t, b, n) VALUES (?, ?, ?, ?, ?)", 9_007_199_254_740_993L, 0.1, "it's", blob, null);
        assertThat(w.results().getFirst().lastInsertRowid()).isEqualTo(1);
        assertThat(s.bookmark()).isEqualTo(w.bookmark());
        QueryResult r = s.query("SELECT big, r, t, b, n FROM v WHERE id = ?", 1);
        assertThat(r.rows().getFirst()).containsExactly(9_007_199_254_740_993L, 0.1, "it's", blob, null);
        assertThat(r.list().getFirst().getLong("big")).isEqualTo(9_007_199_254_740_993L);
        assertThat(Session.class).isNotNull();

        ExecuteResult named = cairn.database("cl-values", t.apiKey()).execute(List.of(
                Statement.named("INSERT INTO v (t) VALUES (:t)", Map.of("t", "named")),
                Statement.of("INSERT INTO v (t) VALUES (?) RETURNING id", "returning")));
        assertThat(named.results().get(1).rows()).containsExactly(List.of(3L));
        assertThat(s.query("SELECT count(*) FROM v").rows().getFirst().getFirst()).isEqualTo(1L + 2L);
    }

    @Test
    void aSessionRunsNamedParametersAndStillReadsItsOwnWrites() {
        Cairn.NewTenant t = cairn.createTenant("cl-named");
        Session s = cairn.database("cl-named", t.apiKey()).session();
        s.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT)");
        ExecuteResult w = s.execute(Statement.named("INSERT INTO p (name) VALUES (:name)", Map.of("name", "ada")));
        assertThat(s.bookmark()).isEqualTo(w.bookmark());
        QueryResult r = s.query(Statement.named("SELECT id FROM p WHERE name = :name", Map.of("name", "ada")));
        assertThat(r.rows()).as("the session's read waits for its write").containsExactly(List.of(1L));
        assertThat(s.bookmark()).isEqualTo(r.bookmark());

        s.transact(3, tx -> {
            long id = tx.query(Statement.named("SELECT id FROM p WHERE name = @name", Map.of("name", "ada"))).list().getFirst().getLong("id");
            tx.execute(Statement.named("UPDATE p SET name = :name WHERE id = :id", Map.of("name", "grace", "id", id)));
            return null;
        });
        assertThat(s.query(Statement.named("SELECT name FROM p WHERE id = $id", Map.of("id", 1))).rows()).containsExactly(List.of("grace"));
        Session other = cairn.database("cl-named", t.apiKey()).session();
        other.execute("INSERT INTO p (name) VALUES ('written after s last read')");
        int[] runs = {0};
        s.transact(1, tx -> {
            runs[0]++;
            tx.execute("DELETE FROM p WHERE name = ?", "written after s last read"); // read nothing: nothing stale
            return null;
        });
        assertThat(runs[0]).as("a transaction without reads is not run again").isEqualTo(1);
        assertThatThrownBy(() -> s.execute("INSERT INTO p (name) VALUES (?)", Double.NaN)).as("refused before it is sent as the text NaN")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-finite");
        assertThat(s.query("SELECT count(*) FROM p").rows().getFirst().getFirst()).isEqualTo(1L);
    }

    @Test
    void aWriteIsAppliedOnceWhateverTheRetriesAndErrorsCarryTheirCodes() throws Exception {
        Cairn.NewTenant t = cairn.createTenant("cl-errors");
        Database db = cairn.database("cl-errors", t.apiKey());
        db.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, v TEXT UNIQUE)");
        ExecuteResult first = db.execute(List.of(Statement.of("INSERT INTO e (v) VALUES ('x')")), "same-key", null);
        ExecuteResult again = db.execute(List.of(Statement.of("INSERT INTO e (v) VALUES ('x')")), "same-key", null);
        assertThat(again.replayed()).isTrue();
        assertThat(again.results()).isEqualTo(first.results());
        assertThat(db.query("SELECT count(*) FROM e").rows().getFirst().getFirst()).isEqualTo(1L);

        assertThatThrownBy(() -> db.execute(List.of(Statement.of("INSERT INTO e (v) VALUES ('y')"), Statement.of("INSERT INTO nope VALUES (1)"))))
                .isInstanceOfSatisfying(CairnException.class, e -> {
                    assertThat(e.code()).isEqualTo("sql_error");
                    assertThat(e.statement()).isEqualTo(1);
                    assertThat(e.sqliteCode()).contains("SQLITE_ERROR");
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.retriable()).isFalse();
                });
        Cairn.NewTenant other = cairn.createTenant("cl-other");
        assertThatThrownBy(() -> cairn.database("cl-errors", other.apiKey()).query("SELECT 1"))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo("forbidden"));
        assertThat(db.queryAsync(Statement.of("SELECT count(*) FROM e"), null).get().rows().getFirst().getFirst()).isEqualTo(1L);

        // Keys: a read-only key reads and may not write; a revoked key is refused.
        Cairn.NewKey reader = cairn.issueKey("cl-errors", Set.of("read"));
        assertThat(cairn.database("cl-errors", reader.apiKey()).query("SELECT count(*) FROM e").rows()).hasSize(1);
        assertThatThrownBy(() -> cairn.database("cl-errors", reader.apiKey()).execute("DELETE FROM e"))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo("forbidden"));
        cairn.revokeKey("cl-errors", reader.keyId());
        assertThat(cairn.keys("cl-errors")).extracting(Cairn.KeyInfo::keyId, Cairn.KeyInfo::revoked).endsWith(
                org.assertj.core.groups.Tuple.tuple(reader.keyId(), true));
        assertThat(cairn.keys("cl-errors").getLast().scopes()).containsExactly("read");
        assertThatThrownBy(() -> cairn.database("cl-errors", reader.apiKey()).query("SELECT 1"))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo("unauthorized"));
    }

    @Test
    void transactionsOfRacingSessionsLoseNoUpdate() throws Exception {
        Cairn.NewTenant t = cairn.createTenant("cl-tx");
        Database db = cairn.database("cl-tx", t.apiKey());
        db.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER)");
        db.execute("INSERT INTO acct VALUES (1, 100), (2, 100)");
        int workers = 4;
        int each = 5;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                done.add(pool.submit(() -> {
                    Session s = db.session();
                    for (int i = 0; i < each; i++) {
                        s.transact(100, tx -> {
                            long a = (Long) tx.query("SELECT balance FROM acct WHERE id = 1").rows().getFirst().getFirst();
                            long b = (Long) tx.query("SELECT balance FROM acct WHERE id = 2").rows().getFirst().getFirst();
                            tx.execute("UPDATE acct SET balance = ? WHERE id = 1", a - 1);
                            tx.execute("UPDATE acct SET balance = ? WHERE id = 2", b + 1);
                            return null;
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertThat(db.session().query("SELECT group_concat(balance) FROM acct").rows().getFirst().getFirst())
                .isEqualTo((100 - workers * each) + "," + (100 + workers * each));

        Session s = db.session();
        String read = s.query("SELECT balance FROM acct WHERE id = 1").bookmark();
        db.execute("UPDATE acct SET balance = 0 WHERE id = 1");
        assertThatThrownBy(() -> s.executeIfUnchangedSince(read, List.of(Statement.of("UPDATE acct SET balance = 1 WHERE id = 1"))))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.bookmark()).isNotNull());
    }

    @Test
    void theShellRunsMultiLineStatementsDotCommandsAndModes() throws Exception {
        Cairn.NewTenant t = cairn.createTenant("cl-shell");
        String script = String.join("\n",
                "CREATE TABLE people (id INTEGER PRIMARY KEY,",
                "  name TEXT);",
                "INSERT INTO people (name) VALUES ('ada'), ('grace');",
                ".tables",
                ".schema people",
                "SELECT id, name FROM people ORDER BY id;",
                ".mode csv",
                "SELECT name FROM people WHERE id = 2;",
                "",
                ";",
                ".mode json",
                "SELECT count(*) AS n FROM people;",
                "CREATE TRIGGER named AFTER INSERT ON people BEGIN",
                "  UPDATE people SET name = upper(name) WHERE id = new.id;",
                "END;",
                "INSERT INTO people (name) VALUES ('semi;",
                "colon'); SELECT name AS upper FROM people WHERE id = 3;",
                "SELECT * FROM nope;",
                ".bogus",
                ".quit",
                "SELECT 'never run';") + "\n";
        java.io.StringWriter out = new java.io.StringWriter();
        java.util.Iterator<String> lines = script.lines().iterator();
        int failed = new io.cairn.infra.shell.SqlShell(cairn.database("cl-shell", t.apiKey()), prompt -> lines.hasNext() ? lines.next() : null,
                new java.io.PrintWriter(out)).run();
        String printed = out.toString();
        assertThat(failed).as("the failed SELECT and .bogus: " + printed).isEqualTo(2);
        assertThat(printed).contains("2 rows changed").contains("| people |").contains("CREATE TABLE people (id INTEGER PRIMARY KEY,")
                .contains("| 1  | ada   |").contains("| 2  | grace |").contains("name\ngrace").contains("{\"n\":2}")
                .contains("{\"upper\":\"SEMI;\\nCOLON\"}")
                .contains("error: sql_error").contains("unknown command .bogus").doesNotContain("never run");
    }

    /** Input that ends inside a statement: run as sqlite3 runs it, or its refusal counted, never dropped in silence. */
    @Test
    void theShellRunsALastStatementLeftWithoutItsSemicolon() throws Exception {
        Cairn.NewTenant t = cairn.createTenant("cl-eof");
        for (var given : java.util.Map.of("SELECT 'the last' AS w", 0, "SELECT 'left open", 1).entrySet()) {
            java.util.Iterator<String> lines = java.util.List.of(given.getKey()).iterator();
            java.io.StringWriter out = new java.io.StringWriter();
            int failed = new io.cairn.infra.shell.SqlShell(cairn.database("cl-eof", t.apiKey()), prompt -> lines.hasNext() ? lines.next() : null,
                    new java.io.PrintWriter(out)).run();
            assertThat(failed).as(given.getKey() + ": " + out).isEqualTo(given.getValue());
            assertThat(out.toString()).contains(given.getValue() == 0 ? "the last" : "error:");
        }
        cairn.database("cl-eof", t.apiKey()).execute("CREATE TABLE alpha (n)");
        cairn.database("cl-eof", t.apiKey()).execute("CREATE TABLE beta (n)");
        java.util.Iterator<String> lines = java.util.List.of(".tables al%").iterator();
        java.io.StringWriter out = new java.io.StringWriter();
        new io.cairn.infra.shell.SqlShell(cairn.database("cl-eof", t.apiKey()), prompt -> lines.hasNext() ? lines.next() : null,
                new java.io.PrintWriter(out)).run();
        assertThat(out.toString()).as(".tables takes a LIKE pattern, as sqlite3's").contains("alpha").doesNotContain("beta");
    }

    /** A tenant's data reaches an operator's terminal: no value, name or error may carry an escape sequence to it. */
    @Test
    void theShellShowsControlCharactersOfATenantsDataEscapedNeverRaw() throws Exception {
        Cairn.NewTenant t = cairn.createTenant("cl-escape");
        Database db = cairn.database("cl-escape", t.apiKey());
        String esc = "\u001b";
        db.execute("CREATE TABLE \"x" + esc + "]0;owned\u0007\" (v TEXT CHECK (v <> 'no'))");
        db.execute("INSERT INTO \"x" + esc + "]0;owned\u0007\" (v) VALUES (?)", esc + "[2J" + esc + "[31mred\u009b1m\rover");
        String script = String.join("\n", ".tables", ".schema", "SELECT v, v AS \"t" + esc + "[1m\" FROM \"x" + esc + "]0;owned\u0007\";",
                ".mode csv", "SELECT v FROM \"x" + esc + "]0;owned\u0007\";", ".mode json", "SELECT v FROM \"x" + esc + "]0;owned\u0007\";",
                "SELECT * FROM \"y" + esc + "[2J\";") + "\n";
        java.io.StringWriter out = new java.io.StringWriter();
        java.util.Iterator<String> lines = script.lines().iterator();
        new io.cairn.infra.shell.SqlShell(db, prompt -> lines.hasNext() ? lines.next() : null, new java.io.PrintWriter(out)).run();
        String printed = out.toString();
        assertThat(printed).as(printed).doesNotContain(esc).doesNotContain("\u0007").doesNotContain("\u009b").doesNotContain("\r")
                .contains("x^[]0;owned^G")                                   // .tables, .schema, the error
                .contains("| ^[[2J^[[31mred\\u009b1m^Mover |")             // the table
                .contains("t^[[1m")                                          // a column's name
                .contains("v\n^[[2J^[[31mred\\u009b1m^Mover\n")              // CSV on a terminal
                .contains("{\"v\":\"\\u001B[2J\\u001B[31mred\\u009b1m\\rover\"}") // JSON, as JSON escapes
                .contains("no such table: y^[[2J");
    }

    @Test
    void theCommandLineListsCreatesAndRemovesTenantsIssuesKeysAndRunsSql() throws Exception {
        java.io.PrintStream was = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(stack.cli(new io.cairn.infra.cli.TenantsCommand(), "create", "cl-cli")).isZero();
            String key = captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("api key: "))
                    .findFirst().orElseThrow().substring("api key: ".length());
            assertThat(stack.cli(new io.cairn.infra.cli.KeysCommand(), "issue", "--tenant", "cl-cli", "--scope", "read")).isZero();
            assertThat(new picocli.CommandLine(new io.cairn.infra.cli.SqlCommand()).execute("--url", stack.url(), "--key", key,
                    "--tenant", "cl-cli", "CREATE TABLE x (v)")).isZero();
            assertThat(new picocli.CommandLine(new io.cairn.infra.cli.SqlCommand()).execute("--url", stack.url(), "--key", key,
                    "--tenant", "cl-cli", "INSERT INTO x VALUES ('a,b')")).isZero();
            captured.reset();
            assertThat(new picocli.CommandLine(new io.cairn.infra.cli.SqlCommand()).execute("--url", stack.url(), "--key", key,
                    "--tenant", "cl-cli", "SELECT v FROM x")).isZero();
            assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("v\n\"a,b\"\n");
            assertThat(new picocli.CommandLine(new io.cairn.infra.cli.SqlCommand()).execute("--url", stack.url(), "--token", TestStack.ADMIN,
                    "--tenant", "cl-cli", ";")).as("only a ';' is an empty statement: misuse").isEqualTo(2);
            captured.reset();
            java.io.InputStream stdin = System.in;
            System.setIn(new java.io.ByteArrayInputStream("SELECT count(*) AS n\n  FROM x;\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            try {
                assertThat(new picocli.CommandLine(new io.cairn.infra.cli.SqlCommand()).execute("--url", stack.url(), "--key", key,
                        "--tenant", "cl-cli")).as("the statement piped in").isZero();
            } finally {
                System.setIn(stdin);
            }
            assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("n\n1\n");
            captured.reset();
            System.setIn(new java.io.ByteArrayInputStream("CREATE TABLE y (v);\nINSERT INTO y VALUES (1);\nSELECT count(*) AS n FROM y;\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            try {
                assertThat(new picocli.CommandLine(new io.cairn.infra.cli.ShellCommand()).execute("--url", stack.url(), "--key", key,
                        "--tenant", "cl-cli")).as("a script piped into the shell").isZero();
            } finally {
                System.setIn(stdin);
            }
            assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).as("no prompts in a script's output")
                    .doesNotContain("cl-cli>").contains("| n |").contains("| 1 |");
            assertThat(new picocli.CommandLine(new io.cairn.infra.cli.SqlCommand()).execute("--url", stack.url(), "--key", key,
                    "--tenant", "cl-cli", "SELECT * FROM nope")).isEqualTo(1);
            assertThat(stack.cli(new io.cairn.infra.cli.TenantsCommand(), "rm", "cl-cli")).isZero();
            assertThat(stack.cli(new io.cairn.infra.cli.TenantsCommand(), "rm", "cl-cli")).isEqualTo(1);
        } finally {
            System.setOut(was);
        }
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain(ADMIN);
    }

    @Test
    void aNameStaysInItsPathSegmentAndAKeyIsTrimmedOrRefusedWithoutBeingShown() {
        Cairn.NewTenant t = cairn.createTenant("cl-names");
        Cairn.NewKey other = cairn.issueKey("cl-names", List.of("read"));
        Session s = cairn.database("cl-names", t.apiKey() + "\n").session(); // a key read from a file, line break and all
        s.execute("CREATE TABLE x (v)");
        assertThatThrownBy(() -> cairn.deleteTenant("cl-names/keys/" + other.keyId()))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo("invalid_tenant"));
        assertThat(cairn.database("cl-names", other.apiKey()).query("SELECT count(*) FROM x").rows()).as("the key was not revoked").hasSize(1);
        assertThatThrownBy(() -> cairn.database("..", t.apiKey()).query("SELECT 1"))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo("invalid_tenant"));
        String spaced = t.apiKey().substring(0, 12) + " " + t.apiKey().substring(12);
        assertThatThrownBy(() -> cairn.database("cl-names", spaced)).isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain(t.apiKey().substring(12));

        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine sql = new picocli.CommandLine(new io.cairn.infra.cli.SqlCommand()).setErr(new java.io.PrintWriter(err, true));
        assertThat(sql.execute("--url", stack.url(), "--key", spaced, "--tenant", "cl-names", "SELECT 1")).isEqualTo(2);
        assertThat(err.toString()).contains("cairn sql: the key:").doesNotContain(t.apiKey().substring(12));
        assertThat(new picocli.CommandLine(new io.cairn.infra.cli.KeysCommand()).execute("issue", "--tenant", "cl-names", "--url", stack.url(),
                "--token", ADMIN + "\n"))
                .as("an admin token with its line break").isZero();
        assertThat(stack.cli(new io.cairn.infra.cli.TenantsCommand(), "rm", "a b")).as("the server's refusal, not a stack trace").isEqualTo(1);
        assertThat(stack.cli(new io.cairn.infra.cli.KeysCommand(), "revoke", "--tenant", "cl-names", "--key-id", "../../x")).isEqualTo(1);
    }

    @Test
    void administrationForksAndRestores() {
        Cairn.NewTenant t = cairn.createTenant("cl-admin");
        Session s = cairn.database("cl-admin", t.apiKey()).session();
        s.execute("CREATE TABLE x (v)");
        String one = s.execute("INSERT INTO x VALUES (1)").bookmark();
        s.execute("INSERT INTO x VALUES (2)");
        Cairn.NewTenant copy = cairn.fork("cl-admin-copy", "cl-admin", one);
        assertThat(cairn.database("cl-admin-copy", copy.apiKey()).query("SELECT count(*) FROM x").rows().getFirst().getFirst()).isEqualTo(1L);
        String undo = cairn.restore("cl-admin", one);
        assertThat(s.query("SELECT count(*) FROM x").rows().getFirst().getFirst()).isEqualTo(1L);
        cairn.restore("cl-admin", undo);
        assertThat(s.query("SELECT count(*) FROM x").rows().getFirst().getFirst()).isEqualTo(2L);
        assertThat(cairn.tenant("cl-admin").path("tier").asText()).isEqualTo("hot");
        cairn.deleteTenant("cl-admin-copy");
        assertThatThrownBy(() -> cairn.tenant("cl-admin-copy"))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo("tenant_not_found"));
    }
}
