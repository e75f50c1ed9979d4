package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The policy judges exactly what SQLite runs. For random SQL (statements from a small grammar, with
 * comments, quotes, semicolons, NULs, control and non-ASCII characters, parameters and keywords
 * dropped in at random places) the invariant is: <b>a text is accepted only if SQLite, given that
 * text, compiles exactly the statement the policy judged</b>. "The statement the policy judged" is its
 * own tokens of the text, comments dropped, joined by spaces; SQLite is asked to compile both (with
 * {@code EXPLAIN}) and the two programs must be the same, opcode for opcode, and have the same
 * parameters. A lexer that ended a comment, a literal or the statement where SQLite does not (the NUL
 * that hid {@code WHERE 0}) fails here.
 *
 * <p>Seeded, so a failure replays: jqwik prints the seed and the shrunk input.
 */
class StatementPolicyFuzzTest {
    private static Path dir;
    private static TenantConnection tenant;

    @BeforeContainer
    static void openDatabase() throws Exception {
        dir = Files.createTempDirectory("cairn-fuzz");
        tenant = SqliteConnections.openWritable("fuzz", dir.resolve("fuzz.db"), SqliteLimits.WRITE_DEFAULTS);
        DeterministicFunctions.install(tenant.connection()).set(1, 1_700_000_000_000L);
        try (Statement s = tenant.connection().createStatement()) {
            s.execute("CREATE TABLE t (a, b TEXT, c INTEGER PRIMARY KEY)");
            s.execute("CREATE TABLE u (x, y)");
            s.execute("CREATE INDEX t_a ON t(a)");
        }
    }

    @AfterContainer
    static void closeDatabase() throws Exception {
        if (tenant != null) tenant.close();
    }

    @Property(tries = 3000, seed = "20261129")
    void anAcceptedWriteCompilesToExactlyWhatThePolicyJudged(@ForAll("sql") String sql) throws Exception {
        CheckedStatement checked;
        try {
            checked = StatementPolicy.checkWrite(sql);
        } catch (SqlRefusal refused) {
            return; // refusing is always safe; what must hold is about what gets through
        }
        assertSameProgram(checked);
    }

    @Property(tries = 3000, seed = "20261130")
    void anAcceptedReadCompilesToExactlyWhatThePolicyJudged(@ForAll("sql") String sql) throws Exception {
        CheckedStatement checked;
        try {
            checked = StatementPolicy.checkRead(sql);
        } catch (SqlRefusal refused) {
            return;
        }
        assertSameProgram(checked);
    }

    private static void assertSameProgram(CheckedStatement checked) throws Exception {
        String judged = judged(checked.sql());
        assertThat(program(checked.sql())).as("program of %s vs the judged %s", checked.sql(), judged).isEqualTo(program(judged));
        Integer parameters = parameterCount(checked.sql());
        if (parameters != null) assertThat(checked.parameterNames()).as("parameter slots").hasSize(parameters);
    }

    /** The policy's reading of the text: its significant tokens up to the first ';', one space apart. */
    private static String judged(String sql) throws SqlRefusal {
        StringBuilder b = new StringBuilder();
        boolean trigger = false;
        for (Token t : SqlLexer.tokenize(sql)) {
            if (t.insignificant()) continue;
            if (t.isWord("trigger")) trigger = true;
            if (t.kind() == Token.Kind.SEMICOLON && !trigger) break;
            if (!b.isEmpty()) b.append(' ');
            b.append(t.text());
        }
        return b.toString();
    }

    /**
     * SQLite's compiled program for {@code sql} (EXPLAIN), or its error. The statement's own text is left
     * out where SQLite copies it verbatim (Init's p4, and the CREATE text a DDL statement stores in the
     * schema): there, spacing and comments legitimately differ from the judged form.
     */
    private static List<String> program(String sql) {
        List<String> ops = new ArrayList<>();
        Connection c = tenant.connection();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                String opcode = rs.getString(2);
                String p4 = rs.getString(6);
                if (opcode.equals("Init") || (p4 != null && p4.regionMatches(true, 0, "CREATE ", 0, 7))) p4 = "<statement text>";
                ops.add(opcode + " " + rs.getString(3) + " " + rs.getString(4) + " " + rs.getString(5) + " " + p4 + " " + rs.getString(7));
            }
        } catch (SQLException e) {
            ops.add("error: " + e.getMessage());
        }
        return ops;
    }

    private static Integer parameterCount(String sql) {
        try (PreparedStatement ps = tenant.connection().prepareStatement(sql)) {
            return ps.getParameterMetaData().getParameterCount();
        } catch (SQLException e) {
            return null;
        }
    }

    // --- generator

    private static final String[] STATEMENTS = {
        "SELECT a, b FROM t WHERE c = ?", "SELECT count(*) FROM t WHERE a > :min AND b LIKE 'x%'",
        "INSERT INTO t (a, b) VALUES (?, ?)", "INSERT INTO u VALUES (:x, @y)", "UPDATE t SET b = 'y' WHERE a = $a",
        "DELETE FROM t WHERE c = 1", "DELETE FROM u WHERE x IN (SELECT a FROM t)", "SELECT * FROM t ORDER BY c LIMIT 10",
        "INSERT INTO t (b) VALUES (CURRENT_TIMESTAMP)", "SELECT 'a;b', \"a\", [b] FROM t", "SELECT x'00ff', 0x1F, 1e3, .5, 1_000",
        "WITH r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3) SELECT i FROM r", "SELECT ?1, ?2, ?1",
        "CREATE TABLE v (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP)", "SELECT a -> '$.x', b ->> '$.y' FROM t",
        "SELECT CASE WHEN a THEN 1 ELSE 2 END FROM t", "UPDATE t SET a = a || '--' WHERE b = '/*'", "SELECT * FROM t WHERE b = 'it''s'",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END", "SELECT datetime('now', '+1 day')",
    };
    private static final String[] DROPS = {
        "--x\n", "-- ;\n", "/*x*/", "/* ; */", "/*", "*/", "--", "\u0000", "\n", "\t", "\f", "\r", "\u000b", "\u0001", "\u007f", ";",
        "'", "''", "\"", "`", "[", "]", "x'00'", "X'", "?", "?7", ":p", "@p", "$p", "#p", ":", "$", "ATTACH", "temp.", "_cairn_x",
        "pragma_table_info('t')", "CURRENT_TIMESTAMP", "\ud800", "\udc00", "\ud83d\ude00", "é", "0x", "1_", "_1", "1e", "e5", "-", "->",
        "||", "!", "=", "==", "<>", "(", ")", ",", ".", "WHERE 0", "OR 1", " ", "END", "CASE", "BEGIN", "\\", "%", "~",
    };

    @Provide
    Arbitrary<String> sql() {
        Arbitrary<String> base = Arbitraries.of(STATEMENTS);
        Arbitrary<List<String>> drops = Arbitraries.of(DROPS).list().ofMinSize(0).ofMaxSize(4);
        Arbitrary<List<Integer>> positions = Arbitraries.integers().between(0, 1_000).list().ofSize(4);
        return Combinators.combine(base, drops, positions).as((statement, inserted, at) -> {
            StringBuilder s = new StringBuilder(statement);
            for (int i = 0; i < inserted.size(); i++) s.insert(at.get(i) % (s.length() + 1), inserted.get(i));
            return s.toString();
        });
    }
}
