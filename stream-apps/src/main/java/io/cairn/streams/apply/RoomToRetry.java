package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heavy records the volume was too full for, and the room each waits for before it is tried again. A write may need more
 * space than the volume has: a tenant rewriting its whole 1 GiB quota in one write needs as much again in its WAL. Retried
 * every few seconds, such a write filled the volume again on each try, and other tenants' writes failed 503
 * {@code storage_full} a fifth of the time, for as long as it waited (outside probe).
 *
 * <p>Now its WAL is cut back at once, and it waits until the volume has a quarter more free than its try had: what was
 * free once the try's WAL was given back, or the WAL it wrote if larger, and {@link #EXTRA} more. Each try that fails raises
 * the bar by a quarter again, so a write fills the volume a few times at most, and waits for at most a quarter more than
 * it needs. (Twice the WAL a try wrote kept a write that needed 1,009 MiB waiting with 1,475 MiB free; measured by its
 * WAL alone, a try whose WAL SQLite had removed as it closed the file counted as nothing, and the write filled the volume
 * every 8 to 18 s after a restart: outside probe.) While it waits, the applier shows the wait as a machine failure
 * ({@code /health} {@code details.applier}, {@code cairn.applier.retrying}), naming the room wanted. Never a verdict: the
 * space is the machine's, so the write applies once the room is there. The waits are kept in memory: after a restart a
 * waiting write is tried once, and learns its bar again. Thread-safe.
 */
final class RoomToRetry {
    private static final Logger log = LoggerFactory.getLogger(RoomToRetry.class);
    /**
     * Room wanted beside a quarter more than a try had, at most: the edges' guard refuses every tenant's writes below 256
     * MiB free ({@code EdgeConfig.minFreeHotBytes}), and a try that went through with less room left than that took other
     * tenants' writes to {@code storage_full} for the seconds it ran (outside re-test). An eighth of a smaller volume (a
     * test's 48 MiB), never less than {@link #EXTRA_FLOOR}, so that a write on a small volume is not kept waiting for room
     * it can never have.
     */
    static final long EXTRA = 256L << 20;
    /** The least room wanted beside a quarter more than a try had: a try on a volume with nothing free still waits for some. */
    static final long EXTRA_FLOOR = 1L << 20;

    /** A record waiting: the free bytes it waits for, since when (epoch ms). */
    private record Wait(long bytes, long sinceMs) {}

    private final Map<Bookmark, Wait> wanted = new ConcurrentHashMap<>();
    private final TenantDatabasePool pool;
    private final Stalls stalls;
    private final LongSupplier free;
    private final LongSupplier extra;

    RoomToRetry(TenantDatabasePool pool, Stalls stalls) {
        this(pool, stalls, () -> usableSpace(pool), () -> extraFor(pool));
    }

    /** As above, with the volume's free bytes from {@code free} (-1: unknown) and the room wanted beside from {@code extra}. */
    RoomToRetry(TenantDatabasePool pool, Stalls stalls, LongSupplier free, LongSupplier extra) {
        this.pool = pool;
        this.stalls = stalls;
        this.free = free;
        this.extra = extra;
    }

    /**
     * {@code position} of {@code tenant} failed with {@code e}: when the volume was full, its try's WAL is cut back now, and
     * its next try waits for a quarter more room than the try had ({@link RoomToRetry}).
     */
    void failed(String tenant, Bookmark position, Exception e) {
        if (!volumeFull(e)) return;
        Path wal = pool.files().database(tenant).resolveSibling(pool.files().database(tenant).getFileName() + "-wal");
        long took;
        try {
            took = Files.size(wal);
        } catch (IOException gone) {
            took = 0; // SQLite removed it as the last connection closed: what is free now says what the try had
        }
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
        long had = Math.max(took, free.getAsLong());
        long need = had + had / 4 + extra.getAsLong();
        Wait wait = wanted.merge(position, new Wait(need, System.currentTimeMillis()),
                (was, next) -> new Wait(Math.max(was.bytes(), next.bytes()), was.sinceMs()));
        log.warn("tenant {}: record {} had {} MiB of a full volume and needed more; it is tried again once {} MiB are free", tenant,
                position, had >> 20, wait.bytes() >> 20);
    }

    /**
     * Whether {@code position} may be tried now: it never met a full volume, or the room it waits for is there. While it
     * waits, its wait is shown as the applier's (renewed at each look, so it stays shown for as long as it waits).
     */
    boolean mayTry(Bookmark position) {
        Wait wait = wanted.get(position);
        if (wait == null) return true;
        long now = free.getAsLong();
        String state = now >= wait.bytes() ? "is tried again now" : "waits for " + (wait.bytes() >> 20) + " MiB free on the hot volume to be"
                + " tried again";
        stalls.failing(position, wait.sinceMs(), new SQLException("[SQLITE_FULL] a write " + state + " (" + (Math.max(0, now) >> 20)
                + " MiB free now)", null, org.sqlite.SQLiteErrorCode.SQLITE_FULL.code));
        return now >= wait.bytes();
    }

    void forget(Bookmark position) {
        wanted.remove(position);
    }

    /** {@link #EXTRA}, or an eighth of the volume when that is less, and at least {@link #EXTRA_FLOOR}. */
    private static long extraFor(TenantDatabasePool pool) {
        try {
            return Math.max(EXTRA_FLOOR, Math.min(EXTRA, Files.getFileStore(pool.files().root()).getTotalSpace() / 8));
        } catch (IOException e) {
            return EXTRA_FLOOR;
        }
    }

    private static long usableSpace(TenantDatabasePool pool) {
        try {
            return Files.getFileStore(pool.files().root()).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether {@code e}, or a cause of it, is SQLite's SQLITE_FULL. */
    static boolean volumeFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getErrorCode() & 0xff) == org.sqlite.SQLiteErrorCode.SQLITE_FULL.code) return true;
        }
        return false;
    }
}
