package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.TenantCommand;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live applier's side of the tiers: a tenant goes cold when its {@code Frozen} record commits (its
 * hot file is removed, its cold tail recorded in the {@link TenantRegistry}), and comes back when a
 * record that needs its file arrives: the file is rebuilt from the snapshot plus the cold tail (a few
 * records the registry keeps whole: no scan of the partition, no read of the log) in a scratch
 * directory and moved into place.
 * Replays and tests without a broker use {@link #NONE}: they never remove a file.
 *
 * <p>Thread-safe; a tenant is only frozen or thawed by the thread of its partition (or the heavy lane
 * while it owns the tenant), so at most one thaw per stream thread runs at once: a thaw storm is
 * bounded by {@code stream_threads}.
 */
class ColdTenants {
    /** Restores a cold tenant's file under a scratch hot directory. */
    interface Thawer {
        /**
         * Places the tenant's file, as of the last record of {@code tail}, under {@code scratchHotDir}:
         * from the snapshot the tail starts at, else (that snapshot unusable) from an older one or the log.
         */
        void thaw(String tenant, TenantRegistry.ColdTail tail, long endExclusive, Path scratchHotDir) throws SQLException;
    }

    /** Freezes nothing and finds nothing cold. */
    static final ColdTenants NONE = new ColdTenants();

    private static final Logger log = LoggerFactory.getLogger(ColdTenants.class);
    /** Cold tenants rebuilt at once per applier (download, verify, cold tail) when many are touched together. */
    static final int THAW_THREADS = 4;

    /** A thaw under way on a thaw thread, for the tail it was started with. */
    private record Prefetch(TenantRegistry.ColdTail tail, Path scratch, long startNanos, Future<?> work) {}

    private final Map<String, Prefetch> prefetched = new ConcurrentHashMap<>();
    private final ExecutorService thawThreads;

    private final TenantDatabasePool pool;
    private final TenantFiles files;
    private final Thawer thawer;
    private final Counter frozen;
    private final Counter superseded;
    private final Counter thaws;
    private final Counter reclaimed;
    private final Timer thawTime;

    private ColdTenants() {
        this.pool = null;
        this.files = null;
        this.thawer = null;
        this.frozen = this.superseded = this.thaws = this.reclaimed = null;
        this.thawTime = null;
        this.thawThreads = null;
    }

    ColdTenants(TenantDatabasePool pool, Thawer thawer, MeterRegistry meters) {
        this.thawThreads = Executors.newFixedThreadPool(THAW_THREADS, Thread.ofPlatform().daemon().name("cairn-thaw-", 0).factory());
        this.pool = pool;
        this.files = pool.files();
        this.thawer = thawer;
        this.frozen = Counter.builder("cairn.tiers.freezes").tag("outcome", "frozen")
                .description("Frozen records applied: the tenant went cold, or stayed hot because it was written after the snapshot")
                .register(meters);
        this.superseded = Counter.builder("cairn.tiers.freezes").tag("outcome", "superseded")
                .description("Frozen records applied: the tenant went cold, or stayed hot because it was written after the snapshot")
                .register(meters);
        this.thaws = Counter.builder("cairn.tiers.thaws").description("cold tenants brought back to the hot volume").register(meters);
        this.reclaimed = Counter.builder("cairn.tiers.reclaimed").baseUnit("bytes")
                .description("bytes removed from the hot volume by freezes").register(meters);
        this.thawTime = Timer.builder("cairn.tiers.thaw.duration").description("download, verify and place a cold tenant's file")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(meters);
    }

    /** Whether a {@code Frozen} record may make a tenant cold here: only where files are live. */
    boolean freezes() {
        return pool != null;
    }

    /** The tenant's cold tail when it is cold (no open database, no file, a tail recorded); else null. */
    TenantRegistry.ColdTail tail(String tenant) throws SQLException {
        if (pool == null || pool.isOpen(tenant) || files.exists(tenant)) return null;
        return pool.registry().coldTail(tenant);
    }

    /**
     * The tenant's group, holding its {@code Frozen} at {@code at}, committed: records the cold tail,
     * then closes and removes the file. A crash in between leaves a file that the next open keeps.
     */
    void frozen(String tenant, Bookmark at, long snapshotOffset, TenantCommand frozenRecord) throws SQLException {
        pool.registry().coldAfresh(tenant, at, snapshotOffset, frozenRecord);
        pool.discard(tenant);
        long freed = files.removeHotCopy(tenant);
        frozen.increment();
        reclaimed.increment(freed);
        log.info("tenant {}: cold from {} (snapshot at offset {}; {} bytes freed on the hot volume)", tenant, at, snapshotOffset, freed);
    }

    /** A {@code Frozen} found the tenant written after its snapshot: it stays hot. */
    void superseded(String tenant, Bookmark at, long snapshotOffset) {
        superseded.increment();
        log.info("tenant {}: stays hot: written after the snapshot at offset {} its freeze took (Frozen at {})", tenant, snapshotOffset, at);
    }

    /** A record that needs no file (a freeze or snapshot request) was applied while the tenant is cold. */
    void appliedWhileCold(String tenant, Bookmark at, TenantRegistry.ColdTail tail, TenantCommand cmd) throws SQLException {
        pool.registry().cold(tenant, at, tail.snapshotOffset(), cmd);
    }

    /** The cold tenant was deleted: it has no tail to keep. */
    void deleted(String tenant) throws SQLException {
        pool.registry().notCold(tenant);
    }

    /**
     * Starts rebuilding the cold tenant's file for the record at {@code position} on a thaw thread
     * ({@link #THAW_THREADS} at once), so that many tenants download and rebuild together; {@link #thaw}
     * then only moves the file into place. The caller keeps the tenant's records until {@link #ready}.
     */
    void prefetch(String tenant, Bookmark position, TenantRegistry.ColdTail tail) {
        if (prefetched.containsKey(tenant)) return;
        Path scratch = files.scratchDir(tenant);
        long start = System.nanoTime();
        prefetched.put(tenant, new Prefetch(tail, scratch, start, thawThreads.submit(() -> {
            thawer.thaw(tenant, tail, position.offset(), scratch);
            return null;
        })));
    }

    /** True unless a prefetch of the tenant is still running. */
    boolean ready(String tenant) {
        Prefetch p = prefetched.get(tenant);
        return p == null || p.work().isDone();
    }

    /** Brings the tenant's file back before the record at {@code position} is applied. */
    void thaw(String tenant, Bookmark position, TenantRegistry.ColdTail tail) throws SQLException {
        Prefetch p = prefetched.remove(tenant);
        if (p != null) {
            try {
                p.work().get();
                if (p.tail().equals(tail)) {
                    place(tenant, position, p.scratch(), p.startNanos());
                    return;
                }
            } catch (ExecutionException e) {
                log.warn("tenant {}: thaw on a thaw thread failed ({}); thawing here", tenant, e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while thawing " + tenant, e);
            } finally {
                TenantRecovery.deleteTree(p.scratch());
            }
        }
        long start = System.nanoTime();
        Path scratch = files.scratchDir(tenant);
        try {
            thawer.thaw(tenant, tail, position.offset(), scratch);
            place(tenant, position, scratch, start);
        } finally {
            TenantRecovery.deleteTree(scratch);
        }
    }

    /** Moves the file rebuilt under {@code scratch} into place: the tenant is hot from here. */
    private void place(String tenant, Bookmark position, Path scratch, long startNanos) throws SQLException {
        try {
            Path rebuilt = new TenantFiles(scratch).database(tenant);
            if (!Files.exists(rebuilt)) throw new SQLException("tenant " + tenant + ": thaw produced no file");
            FaultPoints.reach(FaultPoints.THAW_DOWNLOADED);
            files.install(tenant, rebuilt);
            FaultPoints.reach(FaultPoints.THAW_PLACED);
            // Forgotten at once: a tail left behind would make a file lost later look cold, and thaw it
            // from a snapshot that misses every write after this thaw.
            pool.registry().notCold(tenant);
            thaws.increment();
            long tookNanos = System.nanoTime() - startNanos;
            thawTime.record(Duration.ofNanos(tookNanos));
            log.info("tenant {}: thawed for the record at {} in {} ms", tenant, position, tookNanos / 1_000_000);
        } catch (IOException e) {
            throw new SQLException("could not place thawed tenant " + tenant, e);
        }
    }

    /** Stops the thaw threads; a prefetch cut short is done again by the next thaw of its tenant. */
    void close() {
        if (thawThreads != null) thawThreads.shutdownNow();
    }
}
