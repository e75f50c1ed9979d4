package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The metered LIKE, GLOB, instr, replace and trim answer exactly what SQLite's own do (value, type and bytes,
 * or the same error), over many random arguments of every type, malformed UTF-8 and NULs included; and the
 * costly calls that held the applier for minutes stop at the statement's limit as {@code statement_timeout}.
 */
class MeteredFunctionsTest {
    private static final String[] PIECES = {"a", "A", "b", "B", "z", "%", "_", "*", "?", "[", "]", "^", "-", "\\", "x", "é", "É", "€",
        "😀", " ", "ab", "[a-c]", "[^b]", "[]a]", "\0"};
    private Connection builtin;
    private Connection metered;
    private StatementDeadline deadline;

    @BeforeEach
    void open() throws SQLException {
        builtin = DriverManager.getConnection("jdbc:sqlite::memory:");
        metered = DriverManager.getConnection("jdbc:sqlite::memory:");
        deadline = StatementDeadline.install((org.sqlite.SQLiteConnection) metered);
        MeteredFunctions.install(metered, deadline, 64 << 20);
    }

    @AfterEach
    void close() throws SQLException {
        builtin.close();
        metered.close();
    }

    @Test
    void answersAsSqliteItselfDoes() throws SQLException {
        SplittableRandom random = new SplittableRandom(20261205);
        String[][] calls = {{"like", "2"}, {"like", "3"}, {"glob", "2"}, {"instr", "2"}, {"replace", "3"}, {"trim", "2"}, {"ltrim", "2"},
            {"rtrim", "2"}};
        int compared = 0;
        for (int round = 0; round < 6_000; round++) {
            for (String[] call : calls) {
                int n = Integer.parseInt(call[1]);
                List<Object> args = new ArrayList<>();
                StringBuilder sql = new StringBuilder("SELECT typeof(v), hex(v) FROM (SELECT ").append(call[0]).append('(');
                for (int i = 0; i < n; i++) {
                    Object arg = argument(random, call[0].equals("like") && i == 2);
                    args.add(arg);
                    sql.append(i == 0 ? "" : ", ").append(arg instanceof Malformed ? "CAST(? AS TEXT)" : "?");
                }
                sql.append(") AS v)");
                assertThat(answer(metered, sql.toString(), args)).as("%s with %s", call[0], args).isEqualTo(answer(builtin, sql.toString(), args));
                compared++;
            }
        }
        assertThat(compared).isEqualTo(48_000);
    }

    @Test
    void theOperatorsAndSchemaUsesGoThroughTheOverrides() throws SQLException {
        for (Connection c : List.of(builtin, metered)) {
            try (var s = c.createStatement()) {
                s.execute("CREATE TABLE t (x TEXT, CHECK (x NOT LIKE '%forbidden%'))");
                s.execute("CREATE INDEX t_glob ON t (x GLOB 'a*')");
                s.execute("INSERT INTO t VALUES ('abc'), ('ABD'), ('xyz')");
            }
        }
        String sql = "SELECT typeof(v), hex(v) FROM (SELECT group_concat(x, ',') AS v FROM (SELECT x FROM t WHERE x LIKE 'ab%' OR x GLOB 'x*' ORDER BY x))";
        assertThat(answer(metered, sql, List.of())).isEqualTo(answer(builtin, sql, List.of())).isEqualTo("text:4142442C6162632C78797A");
    }

    @Test
    void aCostlyCallStopsAtTheWritesWorkBudget() throws SQLException {
        String[] costly = {
            "SELECT printf('%.*c', 1000000, 'a') LIKE ('%' || printf('%.*c', 49000, 'a') || 'b')",
            "SELECT printf('%.*c', 1000000, 'a') GLOB ('*' || printf('%.*c', 49000, 'a') || 'b')",
            "SELECT instr(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'a') || 'b')",
            "SELECT replace(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'a') || 'b', 'c')",
            "SELECT trim(printf('%.*c', 2000000, 'a'), printf('%.*c', 1000000, 'b') || 'a')",
        };
        for (String sql : costly) {
            deadline.startSteps(200_000_000);
            try (var s = metered.createStatement()) {
                assertThatThrownBy(() -> s.executeQuery(sql).close()).as(sql).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(SqliteErrors.code(e)).isEqualTo(ErrorCode.STATEMENT_TIMEOUT));
            } finally {
                deadline.clear();
            }
        }
    }

    @Test
    void aCostlyCallStopsAtAReadsClock() throws SQLException {
        deadline.start(50_000_000L, 0);
        try (var s = metered.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT printf('%.*c', 3000000, 'a') LIKE ('%' || printf('%.*c', 49000, 'a') || 'b')").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.code(e)).isEqualTo(ErrorCode.STATEMENT_TIMEOUT));
        } finally {
            deadline.clear();
        }
    }

    @Test
    void ordinaryCallsStayWellInsideTheBudget() throws SQLException {
        deadline.startSteps(200_000_000);
        try (var s = metered.createStatement();
                ResultSet rs = s.executeQuery("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 20000)"
                        + " SELECT count(*) FROM r WHERE printf('%.*c', 200, 'x') || i LIKE '%x1%' AND instr(i, '9') = 0"
                        + " AND replace(i, '1', 'one') <> '' AND trim(i, '12') <> ''")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isPositive();
        } finally {
            deadline.clear();
        }
    }

    /** A text whose bytes are not well-formed UTF-8, bound as a blob and cast to text. */
    private record Malformed(byte[] bytes) {
        @Override
        public String toString() {
            return "malformed:" + java.util.HexFormat.of().formatHex(bytes);
        }
    }

    private static Object argument(SplittableRandom r, boolean escape) {
        int kind = r.nextInt(20);
        if (escape) {
            if (kind == 0) return null;
            if (kind == 1) return "";
            if (kind == 2) return "ab";
            return PIECES[r.nextInt(PIECES.length)];
        }
        if (kind == 0) return null;
        if (kind == 1) return (long) r.nextInt(-50, 1000);
        if (kind == 2) return r.nextInt(100) / 7.0;
        if (kind == 3) return text(r).getBytes(StandardCharsets.UTF_8);
        if (kind == 4) {
            byte[] b = text(r).getBytes(StandardCharsets.UTF_8);
            byte[] bad = java.util.Arrays.copyOf(b, b.length + 2);
            bad[r.nextInt(bad.length)] = (byte) (0x80 + r.nextInt(0x80));
            bad[r.nextInt(bad.length)] = (byte) (0xc0 + r.nextInt(0x40));
            return new Malformed(bad);
        }
        return text(r);
    }

    private static String text(SplittableRandom r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) b.append(PIECES[r.nextInt(PIECES.length)]);
        return b.toString();
    }

    /** "type:hex" of the answer, or "error:code:message" (a too-big value's message is the limit's own). */
    private static String answer(Connection c, String sql, List<Object> args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                switch (args.get(i)) {
                    case null -> ps.setNull(i + 1, java.sql.Types.NULL);
                    case Long v -> ps.setLong(i + 1, v);
                    case Double v -> ps.setDouble(i + 1, v);
                    case byte[] v -> ps.setBytes(i + 1, v);
                    case Malformed v -> ps.setBytes(i + 1, v.bytes());
                    case String v -> ps.setString(i + 1, v);
                    default -> throw new IllegalArgumentException();
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1) + ":" + rs.getString(2);
            }
        } catch (SQLException e) {
            ErrorCode code = SqliteErrors.code(e);
            return "error:" + code + (code == ErrorCode.VALUE_TOO_LARGE ? "" : ":" + SqliteErrors.message(e));
        }
    }
}
