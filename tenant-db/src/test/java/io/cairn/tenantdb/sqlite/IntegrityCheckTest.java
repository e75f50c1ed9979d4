package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What counts as a damaged file: broken pages do; a virtual table's inconsistent records, which SQL can make, do not. */
class IntegrityCheckTest {
    @TempDir Path dir;

    @Test
    void aVirtualTableWhoseRecordsWereWrittenInconsistentIsContentNotDamage() throws Exception {
        Path file = made("fts.db", "CREATE VIRTUAL TABLE f USING fts5(body)", "INSERT INTO f VALUES ('hello')",
                "UPDATE f_data SET block = x'ffffffffffffffffff' WHERE id = 10"); // what plain SQL can do to FTS5
        assertThat(IntegrityCheck.problem("t", file, SqliteLimits.READ_DEFAULTS)).as("the pages are sound").isEmpty();
        try (TenantConnection c = SqliteConnections.openReadOnly("t", file, SqliteLimits.READ_DEFAULTS); Statement s = c.connection().createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM f WHERE f MATCH 'hello'").next()).isInstanceOfSatisfying(SQLException.class, e -> {
                assertThat(SqliteErrors.isVirtualTableContent(e)).isTrue();
                assertThat(IntegrityCheck.isCorruption(e)).as("not a file to rebuild: a rebuild would meet it again").isFalse();
                assertThat(SqliteErrors.isMachineFailure(e)).isFalse();
                assertThat(SqliteErrors.message(e)).contains("virtual table's content is inconsistent");
            });
        }
    }

    @Test
    void brokenPagesAreDamage() throws Exception {
        Path file = made("broken.db", "CREATE TABLE t (a)", "CREATE INDEX t_a ON t (a)",
                "INSERT INTO t WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200) SELECT randomblob(100) FROM c");
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 4096 * 2; i < 4096 * 2 + 64; i++) bytes[i] = (byte) 0xA5; // the header of a b-tree page
        Files.write(file, bytes);
        assertThat(IntegrityCheck.problem("t", file, SqliteLimits.READ_DEFAULTS)).isPresent();
    }

    /**
     * A WAL deleted while another connection keeps the shared-memory index open: the index still counts the WAL's
     * frames, and the next connection opening the file reads past the end of the new, empty WAL. That short read is
     * the file's damage (rebuilt from the log), not the machine's to wait out: a wait never ends while the index is held.
     */
    @Test
    void aWalLostUnderItsOpenIndexIsDamage() throws Exception {
        Path file = made("lost-wal.db", "PRAGMA journal_mode=WAL", "CREATE TABLE t (a)");
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + file); Statement h = holder.createStatement()) {
            h.execute("PRAGMA wal_autocheckpoint=0");
            for (int i = 0; i < 20; i++) h.execute("INSERT INTO t VALUES (randomblob(3000))");
            h.executeQuery("SELECT count(*) FROM t").close(); // the index is mapped, counting the frames
            Files.delete(dir.resolve("lost-wal.db-wal"));
            try (Connection next = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = next.createStatement()) {
                assertThatThrownBy(() -> s.executeQuery("SELECT count(*) FROM t").next()).isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getMessage()).contains("SHORT_READ");
                    assertThat(IntegrityCheck.isCorruption(e)).isTrue();
                });
            }
        }
    }

    /**
     * A generated column computing the clock from its row's value ('now', answered by the applier with the record's
     * time): stock SQLite refuses it while checking, and the check's failure kept the tenant from ever being served.
     */
    @Test
    void aGeneratedColumnReadingTheClockFromItsRowIsNotDamage() throws Exception {
        Path file = dir.resolve("clock.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            io.cairn.tenantdb.sql.DeterministicFunctions.install(c).set(1, 1_700_000_000_000L); // as the applier's connection
            s.execute("CREATE TABLE gn (x, y NOT NULL AS (datetime(x)))");
            s.execute("INSERT INTO gn (x) VALUES ('now')");
        }
        assertThat(IntegrityCheck.problem("t", file, SqliteLimits.READ_DEFAULTS)).isEmpty();
    }

    private Path made(String name, String... statements) throws SQLException {
        Path file = dir.resolve(name);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            for (String sql : statements) s.execute(sql);
        }
        return file;
    }
}
