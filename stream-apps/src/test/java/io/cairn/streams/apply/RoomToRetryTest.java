package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A heavy record a full volume failed gives back the WAL its try wrote, and waits for room before it is tried again. */
class RoomToRetryTest {
    @TempDir Path hot;

    @Test
    void aRecordAFullVolumeFailedCutsItsWalBackAndWaitsForRoomOthersAreTriedAtOnce() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        try (TenantDatabasePool pool = new TenantDatabasePool(files, SqliteLimits.WRITE_DEFAULTS, 16)) {
            TenantDatabase db = pool.create("acme");
            db.beginIfNeeded();
            try (Statement s = db.connection().createStatement()) {
                s.execute("CREATE TABLE t (v BLOB)");
                s.execute("INSERT INTO t VALUES (zeroblob(2000000))");
            }
            db.commit();
            pool.release(db);
            Path wal = hot.resolve(files.database("acme").toString() + "-wal");
            assertThat(Files.size(wal)).isPositive();

            RoomToRetry room = new RoomToRetry(pool, Long.MAX_VALUE / 4); // more room than any volume has
            Bookmark full = new Bookmark(0, 7);
            Bookmark other = new Bookmark(0, 8);
            room.failed("acme", other, new SQLException("disk I/O error", null, 10)); // not a full volume: tried again as before
            assertThat(room.mayTry(other)).isTrue();
            room.failed("acme", full, new RuntimeException(new SQLException("database or disk is full", null, 13)));
            assertThat(Files.size(wal)).as("the try's WAL given back at once").isZero();
            assertThat(room.mayTry(full)).as("waits for room").isFalse();
            room.forget(full);
            assertThat(room.mayTry(full)).isTrue();
        }
    }
}
