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

            java.util.concurrent.atomic.AtomicLong free = new java.util.concurrent.atomic.AtomicLong(100L << 20);
            Stalls stalls = new Stalls(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            RoomToRetry room = new RoomToRetry(pool, stalls, free::get, () -> 0);
            Bookmark full = new Bookmark(0, 7);
            Bookmark other = new Bookmark(0, 8);
            room.failed("acme", other, new SQLException("disk I/O error", null, 10)); // not a full volume: tried again as before
            assertThat(room.mayTry(other)).isTrue();
            room.failed("acme", full, new RuntimeException(new SQLException("database or disk is full", null, 13)));
            assertThat(Files.size(wal)).as("the try's WAL given back at once").isZero();
            assertThat(room.mayTry(full)).as("waits for a quarter more than the try had").isFalse();
            assertThat(stalls.oldest()).as("shown while it waits").hasValueSatisfying(s -> assertThat(s.reason()).contains("125 MiB free"));
            free.set(124L << 20);
            assertThat(room.mayTry(full)).isFalse();
            free.set(125L << 20);
            assertThat(room.mayTry(full)).as("not twice: a write that needs less than that applies").isTrue();
            assertThat(stalls.oldest()).as("the room it found, while it is tried").hasValueSatisfying(
                    s -> assertThat(s.reason()).contains("is tried again now (125 MiB free now)"));

            // Failing again with 125 MiB (its WAL gone, as SQLite removes it when the file closes): a quarter more again.
            Files.deleteIfExists(wal);
            room.failed("acme", full, new SQLException("database or disk is full", null, 13));
            assertThat(room.mayTry(full)).as("not 'took nothing, so any room will do'").isFalse();
            free.set((125L << 20) + (125L << 18));
            assertThat(room.mayTry(full)).isTrue();
            room.forget(full);
            free.set(0);
            assertThat(room.mayTry(full)).isTrue();
        }
    }
}
