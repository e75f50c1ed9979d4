package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.Freeze;
import io.cairn.topics.avro.Frozen;
import io.cairn.topics.avro.TakeSnapshot;
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
import java.util.concurrent.CancellationException;
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
 * record that needs its file arrives. A thaw downloads the snapshot the cold tail starts at, verifies
 * it, moves it into place and applies the tail (a few records the registry keeps whole: no scan of the
 * partition, no read of the log) to it through the live pool, so the file is opened once and is open
 * when the record that thawed the tenant is applied. Only then is the tail forgotten: a thaw cut short
 * leaves a file behind its tail, which {@link TenantRecovery#heal} takes back (the tenant stays cold).
 * A tail that migrates the schema is applied in a scratch directory first instead, so no reader sees
 * the file before its migration. Replays and tests without a broker use {@link #NONE}: they never
 * remove a file.
 *
 * <p>Thread-safe; a tenant is only frozen or thawed by the thread of its partition, the heavy lane
 * while it owns the tenant, or a thaw thread while the partition holds the tenant's records
 * ({@link ThawHolds}): a thaw storm is bounded by {@link #THAW_THREADS}.
 */
class ColdTenants {
    /** Where a thaw gets the tenant's file and its tail. */
    interface Thawer {
        /**
         * Places the tenant's snapshot at {@code snapshotOffset}, verified, as the file {@code target} (on the
         * hot volume, outside the tenants' tree): its size and SHA-256 match the store's record, and that
         * SHA-256 is {@code sha256}, the one the log's {@code Frozen} record names for that offset, or (null,
         * or another) the file holds that offset. False when it is missing, corrupt or unreachable.
         */
        boolean seed(String tenant, long snapshotOffset, String sha256, Path target);

        /** Applies {@code tail}'s records to the tenant's file in {@code pool}, committed and synced; the file stays open there. */
        void applyTail(String tenant, TenantRegistry.ColdTail tail, TenantDatabasePool pool) throws SQLException;

        /** Rebuilds the tenant as of just below {@code endExclusive} under {@code scratchHotDir} without its own snapshot. */
        void rebuild(String tenant, int partition, long endExclusive, Path scratchHotDir) throws SQLException;
    }

    /** Freezes nothing and finds nothing cold. */
    static final ColdTenants NONE = new ColdTenants();

    private static final Logger log = LoggerFactory.getLogger(ColdTenants.class);
    /** Cold tenants rebuilt at once per applier (download, verify, cold tail) when many are touched together. */
    static final int THAW_THREADS = 4;

    /** How many times in a row a freeze overtaken by Cairn's own records only is taken again. */
    static final int FREEZE_RETRIES = 3;
    /** Freezes taken again, by tenant, since its last freeze that went through or was overtaken by a write. */
    private final Map<String, Integer> freezeRetries = new ConcurrentHashMap<>();

    /** How long a tenant asked hot is remembered: far longer than the edges' access reports take to reach the tiering job. */
    static final long ASKED_HOT_KEPT_MS = java.util.concurrent.TimeUnit.MINUTES.toMillis(10);
    /** The ingress time of each tenant's last {@code Thaw} record (a read of it while cold, an operator), kept {@link #ASKED_HOT_KEPT_MS}. */
    private final Map<String, Long> askedHot = new ConcurrentHashMap<>();

    /** Thaws under way on the thaw threads, by tenant. */
    private final Map<String, Future<?>> prefetched = new ConcurrentHashMap<>();
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
        freezeRetries.remove(tenant);
        pool.registry().coldAfresh(tenant, at, snapshotOffset, frozenRecord);
        pool.discard(tenant);
        long freed = files.removeHotCopy(tenant);
        frozen.increment();
        reclaimed.increment(freed);
        log.info("tenant {}: cold from {} (snapshot at offset {}; {} bytes freed on the hot volume)", tenant, at, snapshotOffset, freed);
    }

    /**
     * A {@code Frozen} found records of the tenant applied after its snapshot: it stays hot. When the tenant
     * wrote nothing since ({@code written} false: only Cairn's own records came, such as the snapshot a restore
     * or an import takes, or a key), the freeze was not overtaken by use, so it is taken again from here:
     * returns true, at most {@link #FREEZE_RETRIES} times in a row per tenant.
     */
    boolean superseded(String tenant, Bookmark at, long snapshotOffset, boolean written) {
        superseded.increment();
        if (!written && freezeRetries.merge(tenant, 1, Integer::sum) <= FREEZE_RETRIES) {
            log.info("tenant {}: Cairn's own records came after the snapshot at offset {} its freeze took (Frozen at {}); freezing it again",
                    tenant, snapshotOffset, at);
            return true;
        }
        freezeRetries.remove(tenant);
        log.info("tenant {}: stays hot: {} after the snapshot at offset {} its freeze took (Frozen at {})", tenant,
                written ? "written" : "changed again and again", snapshotOffset, at);
        return false;
    }

    /** A record that needs no file (a freeze or snapshot request) was applied while the tenant is cold. */
    void appliedWhileCold(String tenant, Bookmark at, TenantRegistry.ColdTail tail, TenantCommand cmd) throws SQLException {
        pool.registry().cold(tenant, at, tail.snapshotOffset(), cmd);
    }

    /**
     * A {@code Thaw} of the tenant taken in at {@code ingressMs} was applied: someone read it while it was cold, or an
     * operator asked for it hot. That is a use of it the tiering job hears of only later (edges report reads every 10 s):
     * a tenant read once after going cold was frozen again 9 s later (outside probe), and its next read thawed it again.
     */
    void askedHot(String tenant, long ingressMs) {
        if (askedHot.size() > 10_000) askedHot.values().removeIf(at -> at < ingressMs - ASKED_HOT_KEPT_MS);
        askedHot.merge(tenant, ingressMs, Math::max);
    }

    /** Whether a {@code Thaw} of the tenant taken in at or after {@code sinceMs} was applied here lately ({@link #askedHot}). */
    boolean askedHotSince(String tenant, long sinceMs) {
        Long at = askedHot.get(tenant);
        return at != null && at >= sinceMs;
    }

    /** The cold tenant was deleted: it has no tail to keep. */
    void deleted(String tenant) throws SQLException {
        pool.registry().notCold(tenant);
    }

    /**
     * Starts thawing the cold tenant for the record at {@code position} on a thaw thread ({@link
     * #THAW_THREADS} at once), so that many tenants download and rebuild together. The caller holds the
     * tenant's records until {@link #ready}; the thaw leaves the tenant hot, or (having failed) cold.
     */
    void prefetch(String tenant, Bookmark position, TenantRegistry.ColdTail tail) {
        prefetched.computeIfAbsent(tenant, t -> thawThreads.submit(() -> {
            thawNow(t, position, tail);
            return null;
        }));
    }

    /** True unless a thaw of the tenant is still running on a thaw thread; a failed one is logged (its next record thaws in line). */
    boolean ready(String tenant) {
        Future<?> work = prefetched.get(tenant);
        if (work == null) return true;
        if (!work.isDone()) return false;
        prefetched.remove(tenant);
        finished(tenant, work);
        return true;
    }

    /** Waits for the thaws of {@code tenants} still running: a partition that is closing must not leave one writing to its files. */
    void awaitThaws(Iterable<String> tenants) {
        for (String tenant : tenants) {
            Future<?> work = prefetched.remove(tenant);
            if (work != null) finished(tenant, work);
        }
    }

    private static void finished(String tenant, Future<?> work) {
        try {
            work.get();
        } catch (ExecutionException e) {
            log.warn("tenant {}: thaw on a thaw thread failed ({}); its next record thaws it in line", tenant, e.getCause().toString());
        } catch (CancellationException e) {
            log.warn("tenant {}: thaw on a thaw thread was cancelled; its next record thaws it in line", tenant);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Brings the tenant's file back, at the end of its cold tail, before the record at {@code position}
     * is applied; a thaw of it still running on a thaw thread is waited for first, and one that finished
     * since the caller looked leaves nothing to do.
     */
    void thaw(String tenant, Bookmark position) throws SQLException {
        Future<?> running = prefetched.remove(tenant);
        if (running != null) finished(tenant, running);
        TenantRegistry.ColdTail tail = tail(tenant);
        if (tail != null) thawNow(tenant, position, tail);
    }

    private void thawNow(String tenant, Bookmark position, TenantRegistry.ColdTail tail) throws SQLException {
        long start = System.nanoTime();
        // The snapshot lands in a file of its own beside the tenants' tree and is moved into place from there:
        // no scratch directory tree to make and remove per thaw. A tail that migrates, or a rebuild, needs one.
        Path seededFile = files.scratchFile(tenant);
        Path scratch = null;
        try {
            boolean seeded = thawer.seed(tenant, tail.snapshotOffset(), frozenSha256(tail), seededFile);
            if (seeded && !migrates(tail)) {
                install(tenant, seededFile);
                FaultPoints.reach(FaultPoints.THAW_PLACED);
                try {
                    thawer.applyTail(tenant, tail, pool);
                } catch (SQLException | RuntimeException e) {
                    pool.discard(tenant); // the file is behind its tail: it goes, and the tenant stays cold
                    files.removeHotCopy(tenant);
                    throw e;
                }
            } else {
                scratch = files.scratchDir(tenant);
                TenantFiles scratchFiles = new TenantFiles(scratch);
                if (seeded) {
                    place(scratchFiles, tenant, seededFile);
                    try (TenantDatabasePool scratchPool = new TenantDatabasePool(scratchFiles, pool.limits(), 1, pool.templates())) {
                        thawer.applyTail(tenant, tail, scratchPool);
                    }
                } else {
                    thawer.rebuild(tenant, tail.partition(), position.offset(), scratch);
                }
                install(tenant, scratchFiles.database(tenant));
                FaultPoints.reach(FaultPoints.THAW_PLACED);
            }
            FaultPoints.reach(FaultPoints.THAW_TAIL_APPLIED);
            // Forgotten at once: a tail left behind would make a file lost later look cold, and thaw it
            // from a snapshot that misses every write after this thaw.
            pool.registry().notCold(tenant);
            thaws.increment();
            long tookNanos = System.nanoTime() - start;
            thawTime.record(Duration.ofNanos(tookNanos));
            log.info("tenant {}: thawed for the record at {} in {} ms", tenant, position, tookNanos / 1_000_000);
        } finally {
            TenantRecovery.deleteTree(seededFile);
            if (scratch != null) TenantRecovery.deleteTree(scratch);
        }
    }

    /**
     * The SHA-256 the tail's {@code Frozen} record names for the snapshot the tail starts at (the snapshotter
     * took that snapshot at that offset, stored it and read it back); null when the tail has no such record.
     */
    private static String frozenSha256(TenantRegistry.ColdTail tail) {
        for (TenantCommand r : tail.records()) {
            if (r.getPayload() instanceof Frozen f && f.getSnapshot().getOffset() == tail.snapshotOffset()) return f.getSnapshot().getSha256();
        }
        return null;
    }

    /** Whether applying the tail changes more than Cairn's own records (a migration waits in it). */
    private static boolean migrates(TenantRegistry.ColdTail tail) {
        return tail.records().stream().anyMatch(r -> !(r.getPayload() instanceof Freeze || r.getPayload() instanceof Frozen
                || r.getPayload() instanceof TakeSnapshot));
    }

    /** Moves {@code file}, the tenant's whole file made beside the tenants' tree, into place. */
    private void install(String tenant, Path file) throws SQLException {
        if (!Files.exists(file)) throw new SQLException("tenant " + tenant + ": thaw produced no file");
        FaultPoints.reach(FaultPoints.THAW_DOWNLOADED);
        place(files, tenant, file);
    }

    private static void place(TenantFiles where, String tenant, Path file) throws SQLException {
        try {
            where.install(tenant, file);
        } catch (IOException e) {
            throw new SQLException("could not place thawed tenant " + tenant, e);
        }
    }

    /** Stops the thaw threads; a prefetch cut short is done again by the next thaw of its tenant. */
    void close() {
        if (thawThreads != null) thawThreads.shutdownNow();
    }
}
