package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.Bookmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/** Copies of a tenant file taken while a writer holds it: consistent, self-describing, complete. */
class ConsistentCopyTest {
    @TempDir Path dir;

    @Test
    void aCopyHoldsTheLastCommitAndSaysWhichPosition() throws Exception {
        Path db = dir.resolve("acme.db");
        try (TenantConnection w = SqliteConnections.openWritable("acme", db, SqliteLimits.WRITE_DEFAULTS);
             Statement s = w.connection().createStatement()) {
            TenantSchema.create(w.connection());
            s.execute("CREATE TABLE t (n INTEGER)");
            s.execute("INSERT INTO t VALUES (1), (2), (3)");
            s.execute("INSERT INTO _cairn_applied VALUES (0, 2, 41)");
            // A transaction in flight in the writer is not in the copy.
            w.connection().setAutoCommit(false);
            s.execute("INSERT INTO t VALUES (4)");
            s.execute("UPDATE _cairn_applied SET log_offset = 42");

            ConsistentCopy.Copy copy = ConsistentCopy.take(db, dir.resolve("out").resolve("copy.db"));
            w.connection().rollback();

            assertThat(copy.position()).isEqualTo(new Bookmark(2, 41));
            assertThat(copy.sizeBytes()).isEqualTo(Files.size(copy.file()));
            try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + copy.file());
                 ResultSet rs = c.createStatement().executeQuery("SELECT count(*), sum(n) FROM t")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(3);
                assertThat(rs.getInt(2)).isEqualTo(6);
            }
            assertThat(copy.file().resolveSibling("copy.db-wal")).doesNotExist();
        }
    }

    @Test
    void aFileThatIsNotATenantLeavesNoCopy() throws Exception {
        Path db = dir.resolve("plain.db");
        try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + db)) {
            c.createStatement().execute("CREATE TABLE t (n)");
        }
        Path target = dir.resolve("copy.db");
        assertThatThrownBy(() -> ConsistentCopy.take(db, target)).isInstanceOf(SQLException.class).hasMessageContaining("not a Cairn tenant");
        assertThat(target).doesNotExist();
        // A file removed (a freeze, a delete) is told apart from a damaged one, as SQLite's own open says it.
        assertThatThrownBy(() -> ConsistentCopy.take(dir.resolve("missing.db"), target))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqliteErrors.isFileGone(e)).isTrue());
    }

    @Test
    void thePositionOfACopyAndOfAFileWithALiveWalAreBothRead() throws Exception {
        Path db = dir.resolve("acme.db");
        try (TenantConnection w = SqliteConnections.openWritable("acme", db, SqliteLimits.WRITE_DEFAULTS);
             Statement s = w.connection().createStatement()) {
            TenantSchema.create(w.connection());
            s.execute("INSERT INTO _cairn_applied VALUES (0, 3, 7)");
            ConsistentCopy.Copy copy = ConsistentCopy.take(db, dir.resolve("out").resolve("copy.db"));

            assertThat(ConsistentCopy.positionOf(copy.file())).isEqualTo(new Bookmark(3, 7));

            // The writer's later commit is still in its -wal, not checkpointed: read through the WAL, not past it.
            s.execute("UPDATE _cairn_applied SET log_offset = 8");
            assertThat(dir.resolve("acme.db-wal")).exists();
            assertThat(ConsistentCopy.positionOf(db)).isEqualTo(new Bookmark(3, 8));
        }
    }

    /**
     * A snapshot is the file's pages as they are, free pages included: compacted, a thawed primary had less room than its
     * replica's file, and refused a write (past the 64 MiB a write may grow a file) that the replica applied.
     */
    @Test
    void aSnapshotHasTheFilesPagesFreeOnesIncluded() throws Exception {
        Path db = dir.resolve("acme.db");
        try (TenantConnection w = SqliteConnections.openWritable("acme", db, SqliteLimits.WRITE_DEFAULTS);
             Statement s = w.connection().createStatement()) {
            TenantSchema.create(w.connection());
            s.execute("CREATE TABLE z (id INTEGER PRIMARY KEY, b BLOB)");
            s.execute("INSERT INTO z (b) VALUES (zeroblob(1000000)), (zeroblob(1000000))");
            s.execute("DELETE FROM z WHERE id = 1");
            s.execute("INSERT INTO _cairn_applied VALUES (0, 1, 9)");
            long[] live = pages(w.connection());
            assertThat(live[1]).as("free pages in the file").isGreaterThan(200);

            ConsistentCopy.Copy snapshot = ConsistentCopy.takeInWalMode(db, dir.resolve("snapshot.db"));
            try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + snapshot.file())) {
                assertThat(pages(c)).containsExactly(live);
            }
            assertThat(snapshot.position()).isEqualTo(new Bookmark(1, 9));
        }
    }

    private static long[] pages(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT page_count, freelist_count FROM pragma_page_count, pragma_freelist_count")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    @Test
    void aCopyInWalModeOpensWithoutConversionAndIsStillOneFile() throws Exception {
        Path db = dir.resolve("acme.db");
        try (TenantConnection w = SqliteConnections.openWritable("acme", db, SqliteLimits.WRITE_DEFAULTS);
             Statement s = w.connection().createStatement()) {
            TenantSchema.create(w.connection());
            s.execute("CREATE TABLE t (n INTEGER)");
            s.execute("INSERT INTO t VALUES (1), (2)");
            s.execute("INSERT INTO _cairn_applied VALUES (0, 1, 9)");
        }
        ConsistentCopy.Copy plain = ConsistentCopy.take(db, dir.resolve("plain.db"));
        ConsistentCopy.Copy wal = ConsistentCopy.takeInWalMode(db, dir.resolve("wal.db"));

        // Header bytes 18 and 19 (file format write/read version): 1 is rollback journal, 2 is WAL.
        assertThat(header(plain.file())).containsExactly(1, 1);
        assertThat(header(wal.file())).containsExactly(2, 2);
        assertThat(wal.file().resolveSibling("wal.db-wal")).doesNotExist();
        assertThat(wal.file().resolveSibling("wal.db-shm")).doesNotExist();
        assertThat(wal.sizeBytes()).isEqualTo(Files.size(wal.file()));
        assertThat(wal.position()).isEqualTo(new Bookmark(1, 9));
        assertThat(ConsistentCopy.positionOf(wal.file())).isEqualTo(new Bookmark(1, 9));
        // Opened by the applier as it is, and read-only (as the edge reads a cold tenant's snapshot).
        try (TenantConnection w = SqliteConnections.openWritable("acme", wal.file(), SqliteLimits.WRITE_DEFAULTS);
             ResultSet rs = w.connection().createStatement().executeQuery("SELECT sum(n) FROM t")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(3);
        }
        try (TenantConnection r = SqliteConnections.openReadOnly("acme", wal.file(), SqliteLimits.READ_DEFAULTS);
             ResultSet rs = r.connection().createStatement().executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }

    private static int[] header(Path file) throws java.io.IOException {
        byte[] b = Files.readAllBytes(file);
        return new int[] {b[18], b[19]};
    }
}
