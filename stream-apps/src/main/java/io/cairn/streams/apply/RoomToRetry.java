package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heavy records the volume was too full for, and the room each waits for before it is tried again. A write may need more
 * space than the volume has: a tenant rewriting its whole 1 GiB quota in one write needs as much again in its WAL. Retried
 * every few seconds, such a write filled the volume again on each try, and other tenants' writes failed 503
 * {@code storage_full} a fifth of the time, for as long as it waited (outside probe). Now its WAL is cut back at once
 * and it waits until the volume has twice what its try took free, and {@link #EXTRA} more: the try needed more than it
 * got. Never a verdict: the space is the machine's, so the write applies once the room is there. Thread-safe.
 */
final class RoomToRetry {
    private static final Logger log = LoggerFactory.getLogger(RoomToRetry.class);
    /** Room wanted beside twice what a try took: a try that failed before its WAL grew still waits for some. */
    static final long EXTRA = 1L << 20;

    private final Map<Bookmark, Long> wanted = new ConcurrentHashMap<>();
    private final TenantDatabasePool pool;
    private final long extra;

    RoomToRetry(TenantDatabasePool pool) {
        this(pool, EXTRA);
    }

    RoomToRetry(TenantDatabasePool pool, long extra) {
        this.pool = pool;
        this.extra = extra;
    }

    /**
     * {@code position} of {@code tenant} failed with {@code e}: when the volume was full, its try's WAL (what it wrote
     * before it failed) is cut back now, and its next try waits for twice that much room and {@code extra}.
     */
    void failed(String tenant, Bookmark position, Exception e) {
        if (!volumeFull(e)) return;
        Path wal = pool.files().database(tenant).resolveSibling(pool.files().database(tenant).getFileName() + "-wal");
        long took;
        try {
            took = Files.size(wal);
        } catch (IOException gone) {
            took = 0;
        }
        wanted.merge(position, 2 * took + extra, Math::max);
        try {
            TenantDatabase db = pool.acquire(tenant);
            if (db != null) {
                try {
                    db.resetWal(TenantDatabase.WAL_RESET_WAIT_MS);
                } finally {
                    pool.release(db);
                }
            }
        } catch (SQLException | RuntimeException notNow) {
            log.warn("tenant {}: its WAL could not be cut back after a full volume ({}); its next try does it", tenant, notNow.toString());
        }
        log.warn("tenant {}: record {} took {} MiB of a full volume before it failed; it is tried again once {} MiB are free", tenant,
                position, took >> 20, (2 * took + extra) >> 20);
    }

    /** Whether {@code position} may be tried now: it never met a full volume, or the room it waits for is there. */
    boolean mayTry(Bookmark position) {
        Long need = wanted.get(position);
        if (need == null) return true;
        try {
            return Files.getFileStore(pool.files().root()).getUsableSpace() >= need;
        } catch (IOException e) {
            return false;
        }
    }

    void forget(Bookmark position) {
        wanted.remove(position);
    }

    /** Whether {@code e}, or a cause of it, is SQLite's SQLITE_FULL. */
    static boolean volumeFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getErrorCode() & 0xff) == org.sqlite.SQLiteErrorCode.SQLITE_FULL.code) return true;
        }
        return false;
    }
}
