package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteErrors;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeterministicFunctionsTest {
    /** 2021-03-04T05:06:07.089Z: every field distinct, with milliseconds. */
    static final long RECORD_TIME = Instant.parse("2021-03-04T05:06:07.089Z").toEpochMilli();
    static final long SEED = 42;

    @TempDir Path dir;
    private final List<TenantConnection> open = new ArrayList<>();
    private Connection conn;
    private DeterministicFunctions.Context ctx;

    @BeforeEach
    void openTenant() throws SQLException {
        conn = tenant("a");
    }

    @AfterEach
    void closeAll() throws SQLException {
        for (TenantConnection c : open) c.close();
    }

    private Connection tenant(String name) throws SQLException {
        TenantConnection tc = SqliteConnections.openWritable(name, dir.resolve(name + ".db"), SqliteLimits.WRITE_DEFAULTS);
        open.add(tc);
        ctx = DeterministicFunctions.install(tc.connection());
        ctx.set(SEED, RECORD_TIME);
        return tc.connection();
    }

    /** Runs one write statement through the policy, as the applier does. */
    static void write(Connection c, String sql) throws SQLException, SqlRefusal {
        try (Statement s = c.createStatement()) {
            s.execute(StatementPolicy.checkWrite(sql).sql());
        }
    }

    static Object one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }

    @Test
    void randomIsReproducibleFromTheSeed() throws SQLException {
        Connection other = tenant("b");
        for (String sql : List.of("SELECT random()", "SELECT hex(randomblob(16))")) {
            assertThat(one(other, sql)).isEqualTo(one(conn, sql));
        }
    }

    @Test
    void randomSequenceRestartsWithEachRecord() throws SQLException {
        Object first = one(conn, "SELECT random()");
        assertThat(one(conn, "SELECT random()")).isNotEqualTo(first);
        ctx.set(SEED, RECORD_TIME);
        assertThat(one(conn, "SELECT random()")).isEqualTo(first);
        ctx.set(SEED + 1, RECORD_TIME);
        assertThat(one(conn, "SELECT random()")).isNotEqualTo(first);
    }

    @Test
    void randomIsEvaluatedPerRow() throws SQLException {
        assertThat(one(conn, "SELECT count(DISTINCT r) FROM (SELECT random() AS r FROM (VALUES (1), (2), (3)))")).isEqualTo(3);
    }

    @Test
    void randomblobKeepsSqliteSizes() throws SQLException {
        assertThat(one(conn, "SELECT length(randomblob(0)) || ',' || length(randomblob(-5)) || ',' || length(randomblob(33))"))
                .isEqualTo("1,1,33");
        assertThatThrownBy(() -> one(conn, "SELECT randomblob(" + (DeterministicFunctions.MAX_RANDOMBLOB_BYTES + 1) + ")"))
                .hasMessageContaining("too big");
    }

    /** An edge read runs SQLite's own randomblob, whose limit is the 64 MiB of every value: both refusals get one code. */
    @Test
    void aRandomblobTooBigIsAValueTooLargeAsSqlitesOwnRefusalIs() {
        assertThatThrownBy(() -> one(conn, "SELECT randomblob(" + (DeterministicFunctions.MAX_RANDOMBLOB_BYTES + 1) + ")"))
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(SqliteErrors.code(e)).isEqualTo(io.cairn.topics.ErrorCode.VALUE_TOO_LARGE);
                    assertThat(SqliteErrors.message(e)).isEqualTo("string or blob too big: randomblob() is limited to 1048576 bytes");
                });
    }

    @Test
    void everyDateFunctionWithNowSeesRecordTime() throws SQLException {
        assertThat(one(conn, "SELECT datetime('now')")).isEqualTo("2021-03-04 05:06:07");
        assertThat(one(conn, "SELECT datetime()")).isEqualTo("2021-03-04 05:06:07");
        assertThat(one(conn, "SELECT date('NOW')")).isEqualTo("2021-03-04");
        assertThat(one(conn, "SELECT date()")).isEqualTo("2021-03-04");
        assertThat(one(conn, "SELECT time('now')")).isEqualTo("05:06:07");
        assertThat(one(conn, "SELECT unixepoch('now')")).isEqualTo(1614834367);
        assertThat(one(conn, "SELECT unixepoch()")).isEqualTo(1614834367);
        assertThat(one(conn, "SELECT julianday('now') = julianday('2021-03-04 05:06:07.089')")).isEqualTo(1);
        assertThat(one(conn, "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).isEqualTo("2021-03-04 05:06:07.089");
        assertThat(one(conn, "SELECT strftime('%s')")).isEqualTo("1614834367");
        assertThat(one(conn, "SELECT timediff('now', '2021-03-04 00:00:00')")).isEqualTo("+0000-00-00 05:06:07.089");
        assertThat(one(conn, "SELECT datetime('now', '+1 day', 'start of day')")).isEqualTo("2021-03-05 00:00:00");
        assertThat(one(conn, "SELECT datetime('subsec')")).isEqualTo("2021-03-04 05:06:07.089");
        assertThat(one(conn, "SELECT datetime(x'6e6f77')")).as("a blob 'now' is 'now' to SQLite").isEqualTo("2021-03-04 05:06:07");
        assertThat(one(conn, "SELECT current_timestamp || ' ' || current_date || ' ' || current_time"))
                .as("the functions behind the CURRENT_* keywords are overridden too")
                .isEqualTo("2021-03-04 05:06:07 2021-03-04 05:06:07");
    }

    @Test
    void nowAsParameterSeesRecordTime() throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT datetime(?)")) {
            ps.setString(1, "now");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("2021-03-04 05:06:07");
            }
        }
    }

    @Test
    void otherTimeValuesKeepBuiltinResults() throws SQLException {
        List<String> exprs = List.of("datetime('2024-02-29', '+1 year')", "datetime(1700000000, 'unixepoch')",
                "date('garbage')", "julianday('2000-01-01')", "typeof(julianday('2000-01-01'))", "unixepoch('2024-01-01 00:00:00.5', 'subsec')",
                "typeof(unixepoch('2024-01-01'))", "strftime('%j %W %w %J', '2024-12-31')", "time(NULL)", "datetime(2460000.25)",
                "timediff('2024-03-01', '2024-02-01')", "date('2024-05-05', 'weekday 0', '-7 days')", "strftime()", "datetime('2024-01-01', NULL)");
        try (Connection plain = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            for (String e : exprs) assertThat(one(conn, "SELECT " + e)).as(e).isEqualTo(one(plain, "SELECT " + e));
        }
    }

    @Test
    void localtimeModifierIsRefusedAsNondeterministic() {
        assertThatThrownBy(() -> one(conn, "SELECT datetime('2024-01-01', 'LocalTime')"))
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(SqliteErrors.message(e)).startsWith("nondeterministic:").contains("localtime");
                    assertThat(DeterministicFunctions.isNondeterministic(e)).isTrue();
                });
    }

    @Test
    void utcModifierIsRefusedAsNondeterministic() {
        assertThatThrownBy(() -> one(conn, "SELECT strftime('%H', 'now', 'utc')"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.message(e)).startsWith("nondeterministic:").contains("utc"));
    }

    @Test
    void ordinarySqlErrorIsNotNondeterministic() {
        assertThatThrownBy(() -> one(conn, "SELECT * FROM missing"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(DeterministicFunctions.isNondeterministic(e)).isFalse());
    }

    @Test
    void consultedSaysWhetherSqlReadTheClockOrTheSeedSinceTheRecordStarted() throws Exception {
        write(conn, "CREATE TABLE t(a, ts TEXT DEFAULT CURRENT_TIMESTAMP)");
        write(conn, "INSERT INTO t(a, ts) VALUES (1, '2020-01-01'), (2, date('2020-01-01', '+1 day'))");
        assertThat(ctx.consulted()).as("no 'now', no random").isFalse();
        for (String sql : List.of("INSERT INTO t(a) VALUES (3)", "INSERT INTO t(a, ts) VALUES (4, datetime('now'))",
                "INSERT INTO t(a, ts) VALUES (5, random())", "INSERT INTO t(a, ts) VALUES (6, hex(randomblob(4)))")) {
            ctx.set(SEED, RECORD_TIME);
            write(conn, sql);
            assertThat(ctx.consulted()).as(sql).isTrue();
        }
        ctx.set(SEED, RECORD_TIME);
        assertThat(ctx.consulted()).as("a new record starts unconsulted").isFalse();
    }

    @Test
    void currentTimestampInDefaultSeesRecordTime() throws Exception {
        write(conn, "CREATE TABLE t(a, ts TEXT DEFAULT CURRENT_TIMESTAMP, d DEFAULT CURRENT_DATE, tm DEFAULT current_time)");
        ctx.set(SEED, RECORD_TIME + 86_400_000L);
        write(conn, "INSERT INTO t(a) VALUES (1)");
        assertThat(one(conn, "SELECT ts || ' ' || d || ' ' || tm FROM t")).isEqualTo("2021-03-05 05:06:07 2021-03-05 05:06:07");
    }

    @Test
    void datetimeNowInDefaultSeesRecordTime() throws Exception {
        write(conn, "CREATE TABLE t(a, ts TEXT DEFAULT (datetime('now')), r INTEGER DEFAULT (random()))");
        write(conn, "INSERT INTO t(a) VALUES (1)");
        assertThat(one(conn, "SELECT ts FROM t")).isEqualTo("2021-03-04 05:06:07");
    }

    @Test
    void triggerSeesRecordTime() throws Exception {
        write(conn, "CREATE TABLE t(a)");
        write(conn, "CREATE TABLE audit(at TEXT, at2 TEXT, r INTEGER)");
        write(conn, "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (datetime('now'), CURRENT_TIMESTAMP, random()); END");
        write(conn, "INSERT INTO t VALUES (1)");
        assertThat(one(conn, "SELECT at || '|' || at2 FROM audit")).isEqualTo("2021-03-04 05:06:07|2021-03-04 05:06:07");
    }

    @Test
    void dateOfColumnStillWorksInIndexExpression() throws Exception {
        write(conn, "CREATE TABLE t(ts TEXT)");
        write(conn, "CREATE INDEX t_day ON t(date(ts))");
        write(conn, "INSERT INTO t VALUES ('2024-01-02 03:04:05')");
        assertThat(one(conn, "SELECT count(*) FROM t WHERE date(ts) = '2024-01-02'")).isEqualTo(1);
        assertThatThrownBy(() -> write(conn, "CREATE INDEX t_r ON t(random())")).hasMessageContaining("non-deterministic");
    }

    @Test
    void everyRowOfALargeStatementSeesTheRecordsTimeThroughTheOverride() throws SQLException {
        int n = 20_000;
        String sql = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < " + n + ")"
                + " SELECT count(*), count(DISTINCT datetime('now', '+' || (i % 7) || ' days')),"
                + " min(datetime('now', '+' || (i % 7) || ' days')), max(datetime('now', '+' || (i % 7) || ' days')) FROM c";
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(n);
            assertThat(rs.getLong(2)).as("seven distinct days, whatever the clock did meanwhile").isEqualTo(7);
            assertThat(rs.getString(3)).isEqualTo("2021-03-04 05:06:07");
            assertThat(rs.getString(4)).isEqualTo("2021-03-10 05:06:07");
        }
    }
}
