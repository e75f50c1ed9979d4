package io.cairn.infra.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.infra.Tmpfs;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads go on while the hot volume is full to its last byte, also of a tenant no connection has open: its first read
 * must map the WAL's index ({@code -shm}) afresh, which the full volume refused ({@code SQLITE_IOERR_SHMSIZE}, a 503 in
 * DiskFullIT). A real tmpfs, filled for real.
 */
class FullVolumeReadTest {
    @TempDir
    Path dir;
    private Path volume;

    @BeforeEach
    void mount() throws IOException {
        volume = Files.createDirectories(dir.resolve("vol"));
        Assumptions.assumeTrue(Tmpfs.mount(volume, 2), "FullVolumeReadTest skipped: mounting a tmpfs needs root and mount rights here");
    }

    @AfterEach
    void unmount() {
        Tmpfs.unmount(volume);
    }

    @Test
    void aTenantNobodyHasOpenIsReadWhileTheVolumeIsFullIncludingWhatItsWalHolds() throws Exception {
        Path db = volume.resolve("acme.db");
        Path ballast = volume.resolve("ballast");
        try (TenantConnection w = SqliteConnections.openWritable("acme", db, SqliteLimits.WRITE_DEFAULTS);
                Statement s = w.connection().createStatement()) {
            createRows(s, 100);
        }
        assertThat(volume.resolve("acme.db-shm")).as("the last close removed the index").doesNotExist();
        fill(ballast);

        try (TenantConnection r = SqliteConnections.openReadOnly("acme", db, SqliteLimits.READ_DEFAULTS)) {
            assertThat(r.shmReadOnly()).as("the volume had no room for the index").isTrue();
            assertThat(count(r)).isEqualTo(100);
        }

        Files.delete(ballast);
        try (TenantConnection r = SqliteConnections.openReadOnly("acme", db, SqliteLimits.READ_DEFAULTS)) {
            assertThat(r.shmReadOnly()).as("room again: opened as always").isFalse();
            assertThat(count(r)).isEqualTo(100);
        }
    }

    @Test
    void commitsStillInTheWalOfAWriterThatWentAwayAreRead() throws Exception {
        Path db = volume.resolve("acme.db");
        Path copy = volume.resolve("copy.db");
        try (TenantConnection w = SqliteConnections.openWritable("acme", db, SqliteLimits.WRITE_DEFAULTS);
                Statement s = w.connection().createStatement()) {
            s.execute("PRAGMA wal_autocheckpoint=0");
            createRows(s, 150);
            // What a killed writer leaves: the file and its WAL, no index.
            Files.copy(db, copy);
            Files.copy(volume.resolve("acme.db-wal"), volume.resolve("copy.db-wal"));
        }
        fill(volume.resolve("ballast"));

        try (TenantConnection r = SqliteConnections.openReadOnly("copy", copy, SqliteLimits.READ_DEFAULTS)) {
            assertThat(r.shmReadOnly()).isTrue();
            assertThat(count(r)).isEqualTo(150);
        }
    }

    private static void createRows(Statement s, int rows) throws SQLException {
        s.execute("CREATE TABLE t (n INTEGER)");
        for (int i = 0; i < rows; i++) s.execute("INSERT INTO t VALUES (" + i + ")");
    }

    private static long count(TenantConnection c) throws SQLException {
        try (Statement s = c.connection().createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Writes until the volume refuses another byte. */
    private static void fill(Path ballast) throws IOException {
        try (OutputStream out = Files.newOutputStream(ballast)) {
            byte[] page = new byte[4096];
            while (true) out.write(page);
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left");
        }
    }
}
