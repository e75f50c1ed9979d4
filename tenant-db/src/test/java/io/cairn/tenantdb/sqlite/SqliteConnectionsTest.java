package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection itself refuses what the statement policy refuses, so one layer failing is not enough
 * to reach another tenant's file or the host.
 */
class SqliteConnectionsTest {
    @TempDir Path dir;

    private TenantConnection writable() throws SQLException {
        return SqliteConnections.openWritable("t", dir.resolve("t.db"), SqliteLimits.WRITE_DEFAULTS);
    }

    @Test
    void attachIsRefusedByTheConnectionEvenWithoutThePolicy() throws Exception {
        try (TenantConnection c = writable(); Statement s = c.connection().createStatement()) {
            assertThatThrownBy(() -> s.execute("ATTACH DATABASE '" + dir.resolve("other.db") + "' AS other"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("too many attached databases");
        }
        assertThat(dir.resolve("other.db")).doesNotExist();
    }

    @Test
    void extensionLoadingIsDisabled() throws Exception {
        try (TenantConnection c = writable(); Statement s = c.connection().createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT load_extension('/usr/lib/x86_64-linux-gnu/libc.so.6')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("not authorized");
        }
    }

    @Test
    void schemaIsNotTrustedAndForeignKeysAreEnforced() throws Exception {
        try (TenantConnection c = writable(); Statement s = c.connection().createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA trusted_schema")) {
                assertThat(rs.getInt(1)).isZero();
            }
            try (ResultSet rs = s.executeQuery("PRAGMA foreign_keys")) {
                assertThat(rs.getInt(1)).isOne();
            }
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
        }
    }

    @Test
    void readOnlyConnectionCannotWrite() throws Exception {
        try (TenantConnection w = writable(); Statement s = w.connection().createStatement()) {
            s.execute("CREATE TABLE t (n INTEGER)");
        }
        try (TenantConnection r = SqliteConnections.openReadOnly("t", dir.resolve("t.db"), SqliteLimits.READ_DEFAULTS);
             Statement s = r.connection().createStatement()) {
            assertThatThrownBy(() -> s.execute("INSERT INTO t VALUES (1)"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.code(e).wire()).isEqualTo("read_only"));
        }
    }

    @Test
    void readOnlyOpenNeverCreatesAFile() {
        assertThatThrownBy(() -> SqliteConnections.openReadOnly("t", dir.resolve("absent.db"), SqliteLimits.READ_DEFAULTS))
                .isInstanceOf(SQLException.class);
        assertThat(dir.resolve("absent.db")).doesNotExist();
    }

    @Test
    void aStatementOnTheClockIsStoppedWhenTheSpaceForTemporaryFilesRunsLow() throws Exception {
        String distinct = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(DISTINCT i) FROM (SELECT i FROM n LIMIT 200000)";
        // Seconds on any machine: past the grace a statement gets before low space stops it.
        String longDistinct = distinct.replace("LIMIT 200000", "LIMIT 50000000");
        try (TenantConnection c = SqliteConnections.openReadOnly("t", writableFile(), SqliteLimits.READ_DEFAULTS.withMinFreeTempBytes(Long.MAX_VALUE));
             Statement s = c.connection().createStatement()) {
            c.startClock();
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 1000) SELECT i FROM n)")) {
                assertThat(rs.getLong(1)).as("a quick statement is not stopped with the one filling the space").isEqualTo(1000);
            }
            c.startClock();
            assertThatThrownBy(() -> s.executeQuery(longDistinct)).isInstanceOf(SQLException.class);
            assertThat(c.deadline().stoppedForTempSpace()).isTrue();
        }
        try (TenantConnection c = SqliteConnections.openReadOnly("t", dir.resolve("t.db"), SqliteLimits.READ_DEFAULTS.withMinFreeTempBytes(1));
             Statement s = c.connection().createStatement()) {
            c.startClock();
            try (ResultSet rs = s.executeQuery(distinct)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(200_000);
            }
            assertThat(c.deadline().stoppedForTempSpace()).isFalse();
        }
        // A write's work budget is stopped for it too, and says so: its caller waits, never makes it the verdict.
        try (TenantConnection c = SqliteConnections.openWritable("t", dir.resolve("t.db"), SqliteLimits.WRITE_DEFAULTS.withMinFreeTempBytes(Long.MAX_VALUE));
             Statement s = c.connection().createStatement()) {
            c.deadline().startSteps(2_000_000_000L, Long.MAX_VALUE, c.limits().minFreeTempBytes());
            assertThatThrownBy(() -> s.executeQuery(longDistinct)).isInstanceOf(SQLException.class);
            assertThat(c.deadline().stoppedForTempSpace()).isTrue();
            c.deadline().startSteps(200_000_000L);
            try (ResultSet rs = s.executeQuery(distinct)) {
                assertThat(rs.getLong(1)).isEqualTo(200_000);
            }
            assertThat(c.deadline().stoppedForTempSpace()).as("reset by the next budget").isFalse();
        }
        assertThat(SqliteLimits.WRITE_DEFAULTS.minFreeTempBytes()).isEqualTo(SqliteLimits.READ_DEFAULTS.minFreeTempBytes());
    }

    @Test
    void aStatementWritingBigTemporaryValuesInFewStepsIsStoppedByTheWatchBetweenTheChecks() throws Exception {
        // 300 values of 2 MB to keep apart: about 4,500 steps, fewer than one progress check, and 600 MB of temporary b-tree.
        String bigDistinct = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 300)"
                + " SELECT count(DISTINCT i || zeroblob(2000000)) FROM n";
        try (TenantConnection c = SqliteConnections.openWritable("t", dir.resolve("t.db"), SqliteLimits.WRITE_DEFAULTS.withMinFreeTempBytes(Long.MAX_VALUE));
             Statement s = c.connection().createStatement()) {
            c.deadline().startSteps(200_000_000L, Long.MAX_VALUE, c.limits().minFreeTempBytes());
            assertThatThrownBy(() -> s.executeQuery(bigDistinct)).isInstanceOf(SQLException.class);
            assertThat(c.deadline().stoppedForTempSpace()).isTrue();
            c.deadline().clear();
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertThat(rs.getInt(1)).as("the next statement is not interrupted").isEqualTo(1);
            }
        }
    }

    private Path writableFile() throws SQLException {
        writable().close();
        return dir.resolve("t.db");
    }

    @Test
    void statementPastItsTimeLimitIsInterrupted() throws Exception {
        SqliteLimits fast = SqliteLimits.WRITE_DEFAULTS.withStatementTimeout(Duration.ofMillis(50));
        try (TenantConnection c = SqliteConnections.openWritable("t", dir.resolve("t.db"), fast);
             Statement s = c.connection().createStatement()) {
            c.startClock();
            assertThatThrownBy(() -> s.executeQuery(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.code(e).wire()).isEqualTo("statement_timeout"));
        }
    }

    @Test
    void aReadSlowForItsStepsIsStoppedAtItsTimeLimitBetweenTheChecks() throws Exception {
        // 100 strings of 60 MB built one by one (each its own: no constant to compute once): about 1,000 steps, fewer
        // than one progress check, and seconds of work.
        String fewStepsLong = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
                + " SELECT sum(length(hex(zeroblob(30000000 + i)))) FROM n";
        SqliteLimits brief = SqliteLimits.READ_DEFAULTS.withStatementTimeout(Duration.ofMillis(100)).withMinFreeTempBytes(0);
        try (TenantConnection c = SqliteConnections.openReadOnly("t", writableFile(), brief); Statement s = c.connection().createStatement()) {
            c.startClock();
            assertThatThrownBy(() -> s.executeQuery(fewStepsLong).next())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.code(e).wire()).isEqualTo("statement_timeout"));
            assertThat(c.deadline().stoppedForTempSpace()).isFalse();
            c.deadline().clear();
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertThat(rs.getInt(1)).as("the next statement is not interrupted").isEqualTo(1);
            }
        }
    }

    @Test
    void databaseCannotGrowPastItsQuota() throws Exception {
        SqliteLimits small = new SqliteLimits(1 << 20, Duration.ofSeconds(5), 100_000, 0);
        try (TenantConnection c = SqliteConnections.openWritable("t", dir.resolve("t.db"), small);
             Statement s = c.connection().createStatement()) {
            s.execute("CREATE TABLE t (b BLOB)");
            assertThatThrownBy(() -> s.execute("INSERT INTO t SELECT randomblob(4096) FROM (WITH RECURSIVE n(i) AS"
                    + " (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT i FROM n)"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.code(e).wire()).isEqualTo("quota_exceeded"));
        }
    }

    @Test
    void aWalLeftLargeByARefusedWriteShrinksOnceSqliteStartsItOver() throws Exception {
        Path wal = dir.resolve("t.db-wal");
        try (TenantConnection c = writable(); Statement s = c.connection().createStatement()) {
            s.execute("CREATE TABLE t (b BLOB)");
            c.connection().setAutoCommit(false);
            s.execute("INSERT INTO t VALUES (zeroblob(40000000))"); // spills its pages into the WAL
            c.connection().rollback();
            c.connection().setAutoCommit(true);
            assertThat(java.nio.file.Files.size(wal)).isGreaterThan(30_000_000L);
            for (int i = 0; i < 3_000; i++) s.execute("INSERT INTO t VALUES (" + i + ")"); // past an automatic checkpoint
            assertThat(java.nio.file.Files.size(wal)).isLessThanOrEqualTo(SqliteConnections.WAL_KEPT_BYTES);
        }
    }

    @Test
    void aStatementOverTheLengthLimitIsNamedSoNotCalledATooLargeValue() throws Exception {
        try (TenantConnection c = writable(); Statement s = c.connection().createStatement()) {
            assertThatThrownBy(() -> s.execute("SELECT 1 /*" + "x".repeat(200_000) + "*/"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(SqliteErrors.code(e).wire()).isEqualTo("statement_too_long");
                        assertThat(SqliteErrors.message(e)).contains("SQL text is longer than the limit").doesNotContain("64 MiB");
                    });
        }
    }

    @Test
    void driverDecorationIsStrippedFromMessages() throws Exception {
        try (TenantConnection c = writable(); Statement s = c.connection().createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            s.execute("INSERT INTO t VALUES (1)");
            assertThatThrownBy(() -> s.execute("INSERT INTO t VALUES (1)"))
                    .isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(SqliteErrors.message(e)).isEqualTo("UNIQUE constraint failed: t.id"));
        }
    }

    @Test
    void workBudgetStopsTheSameStatementAtTheSameStepWhateverTheMachineSpeed() throws Exception {
        try (TenantConnection c = writable(); Statement s = c.connection().createStatement()) {
            String loop = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
            c.deadline().startSteps(1_000_000);
            assertThatThrownBy(() -> s.executeQuery(loop))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.code(e).wire()).isEqualTo("statement_timeout"));
            c.deadline().startSteps(50_000_000);
            try (ResultSet rs = s.executeQuery("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
                    + " SELECT count(*) FROM n")) {
                assertThat(rs.getInt(1)).isEqualTo(1000);
            }
        }
    }

    @Test
    void aWorkBudgetWithAWallClockAlsoStopsAStatementThatIsSlowForItsSteps() throws Exception {
        try (TenantConnection c = writable(); Statement s = c.connection().createStatement()) {
            // Few steps for its time: each row is a 100 KB string, and the sort moves them all.
            String sortOfBigValues = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                    + " SELECT length(x) FROM (SELECT printf('%.*c', 100000, 'x') || i AS x FROM n ORDER BY x) LIMIT 1";
            c.deadline().startSteps(50_000_000, 1_000); // one microsecond: gone by the first check
            assertThatThrownBy(() -> s.executeQuery(sortOfBigValues).next())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.code(e).wire()).isEqualTo("statement_timeout"));
            c.deadline().startSteps(50_000_000);
            try (ResultSet rs = s.executeQuery(sortOfBigValues)) {
                assertThat(rs.getInt(1)).as("within its steps, without the clock").isEqualTo(100_001);
            }
            c.deadline().clear();
        }
    }

    /**
     * A compound of compounds (160,000 terms once flattened) on the threads tenant SQL runs on: a virtual thread
     * (its carrier's stack) and a platform thread, each with the JVM's default stack. With the JDK's 1 MiB the
     * process died (SIGSEGV); the test JVM, like ./cairn and the image, runs with -Xss16m.
     */
    @Test
    void aCompoundOfCompoundsRunsOnTheThreadsTenantSqlRunsOn() throws Exception {
        assertThat(ThreadStacks.problem()).as("the test JVM's threads have the stack production's have").isNull();
        StringBuilder c1 = new StringBuilder();
        StringBuilder c2 = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            c1.append(i == 0 ? "" : " UNION ALL ").append("SELECT ").append(i).append(" AS x");
            c2.append(i == 0 ? "" : " UNION ALL ").append("SELECT x FROM c1");
        }
        String sql = "WITH c1 AS (" + c1 + "), c2 AS (" + c2 + ") SELECT count(*) FROM c2";
        for (Thread.Builder builder : List.of(Thread.ofVirtual(), Thread.ofPlatform())) {
            java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong(-1);
            Thread t = builder.start(() -> {
                try (TenantConnection c = SqliteConnections.openInMemory(SqliteLimits.READ_DEFAULTS);
                        var st = c.connection().createStatement(); var rs = st.executeQuery(sql)) {
                    rs.next();
                    count.set(rs.getLong(1));
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            t.join();
            assertThat(count.get()).isEqualTo(160_000);
        }
    }
}
