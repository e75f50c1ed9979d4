package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.connectors.snapshot.SnapshotKeys;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.tenantdb.sqlite.ConsistentCopy;
import io.cairn.streams.kafka.LogAppender;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Frozen;
import io.cairn.topics.avro.SnapshotRefSpec;
import io.cairn.topics.avro.SnapshotTaken;
import io.cairn.topics.avro.TenantCommand;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the snapshots the applier asks for, {@code concurrency} at a time on threads of its own: a
 * {@link ConsistentCopy} of the tenant's file (at whatever position it has when the copy starts, which
 * the copy records), stored through the {@link SnapshotStore}, then a {@code SnapshotTaken} record on
 * {@code cairn.tenant-log} so the tenant's state points at it, in order with its writes. A request for
 * a tenant already waiting or in progress joins it. A store that is unavailable is retried with backoff
 * (1 s doubling to 1 min) for up to {@code retryFor}; then the request is dropped, logged and counted:
 * nothing is lost but the snapshot, and the next request takes one. Besides {@code TakeSnapshot}
 * records, it snapshots a tenant when its {@link SnapshotPolicy} says it is due.
 */
final class Snapshotter implements SnapshotRequests, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);
    /** Snapshots taken at once per applier: each reads a whole file and uploads it. */
    static final int CONCURRENCY = 2;
    /** Free space the hot volume keeps after a snapshot's copy: the edge refuses writes below 256 MiB. */
    static final long MIN_FREE_AFTER_COPY = 512L << 20;
    /** How long an unavailable store is retried for one snapshot. */
    static final Duration RETRY_FOR = Duration.ofMinutes(10);

    private final TenantFiles files;
    private final SnapshotStore store;
    private final Duration retryFor;
    private final LogAppender tenantLog;
    private final ExecutorService workers;
    private final java.util.concurrent.ScheduledExecutorService retryTimer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cairn-snapshot-retry").factory());
    /** Tenants queued and not yet started, and whether a freeze asked (a freeze and a plain request join as a freeze). */
    private final Map<String, Boolean> waiting = new ConcurrentHashMap<>();
    private final SnapshotPolicy policy;
    private final SnapshotRetention retention;
    private final Counter taken;
    private final Counter failed;
    private final Timer duration;
    private final DistributionSummary bytes;
    private final SnapshotPurge purge;

    Snapshotter(TenantFiles files, SnapshotStore store, Map<String, Object> kafkaClientProps, int concurrency, Duration retryFor,
            SnapshotPolicy policy, SnapshotRetention retention, MeterRegistry registry) {
        this.policy = policy;
        this.retention = retention;
        this.files = files;
        this.store = store;
        this.retryFor = retryFor;
        this.tenantLog = new LogAppender(kafkaClientProps, "cairn-snapshotter");
        this.workers = Executors.newFixedThreadPool(concurrency, Thread.ofPlatform().daemon().name("cairn-snapshot-", 0).factory());
        this.taken = Counter.builder("cairn.snapshots.taken").description("snapshots stored and recorded on the log").register(registry);
        this.failed = Counter.builder("cairn.snapshots.failed").description("snapshot requests given up (store down past retry_for, file gone)")
                .register(registry);
        this.duration = Timer.builder("cairn.snapshots.duration").description("copy, store and record of one snapshot").register(registry);
        this.bytes = DistributionSummary.builder("cairn.snapshots.bytes").description("stored (compressed) bytes per snapshot")
                .baseUnit("bytes").register(registry);
        this.purge = new SnapshotPurge(files, store, retryFor, registry);
    }

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public void applied(String tenant, ExecuteBatch write) {
        if (policy.applied(tenant, SnapshotPolicy.bytesOf(write), () -> sizeOf(tenant))) request(tenant);
    }

    /** The tenant's file and its WAL, in bytes; 0 when they cannot be read (the policy then counts as for a small tenant). */
    private long sizeOf(String tenant) {
        Path db = files.database(tenant);
        long size = 0;
        for (Path p : new Path[] {db, db.resolveSibling(db.getFileName() + "-wal")}) {
            try {
                size += Files.size(p);
            } catch (IOException | RuntimeException e) {
                // missing WAL, or a file gone meanwhile: what is there counts
            }
        }
        return size;
    }

    @Override
    public void request(String tenant) {
        enqueue(tenant, false);
    }

    @Override
    public void freeze(String tenant) {
        enqueue(tenant, true);
    }

    @Override
    public void deleted(String tenant, long deleteOffset) {
        workers.execute(() -> {
            try {
                purge.run(tenant, deleteOffset);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void enqueue(String tenant, boolean freeze) {
        enqueue(tenant, freeze, null);
    }

    /** When an unavailable store is tried again for a snapshot, and until when. */
    private record Retry(long deadlineNanos, long backoffMs) {
        Retry next() {
            return new Retry(deadlineNanos, Math.min(60_000, backoffMs * 2));
        }
    }

    /**
     * Queues the tenant's snapshot; {@code retry}: this is an attempt again after the store was unavailable. Between
     * attempts the tenant holds no worker (a timer queues it again): two tenants whose uploads kept failing held both
     * workers in their backoff, and every other snapshot and freeze waited up to {@link #RETRY_FOR}.
     */
    private void enqueue(String tenant, boolean freeze, Retry retry) {
        policy.reset(tenant);
        boolean[] queued = {false};
        waiting.compute(tenant, (t, was) -> {
            queued[0] = was == null;
            return was == null ? freeze : was || freeze;
        });
        if (!queued[0]) return;
        workers.execute(() -> {
            // From here a new request queues a new snapshot: it may need a later position.
            boolean forFreeze = Boolean.TRUE.equals(waiting.remove(tenant));
            try {
                Timer.Sample sample = Timer.start();
                take(tenant, forFreeze);
                sample.stop(duration);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (e instanceof SnapshotStoreException unavailable && unavailable.retriable() && !goneMeanwhile(tenant, e)
                        && (retry == null || System.nanoTime() < retry.deadlineNanos())) {
                    Retry next = retry == null ? new Retry(System.nanoTime() + retryFor.toNanos(), 1_000) : retry.next();
                    long wait = next.backoffMs();
                    log.warn("tenant {}: snapshot store unavailable ({}); taking its snapshot again in {} ms", tenant, e.getMessage(), wait);
                    retryTimer.schedule(() -> enqueue(tenant, forFreeze, next), wait, TimeUnit.MILLISECONDS);
                    return;
                }
                if (goneMeanwhile(tenant, e)) {
                    log.info("tenant {}: snapshot not taken, the tenant was deleted or frozen meanwhile ({})", tenant, e.toString());
                    return;
                }
                failed.increment();
                log.error("tenant {}: snapshot not taken: {}", tenant, e.toString());
            }
        });
    }

    /**
     * A snapshot asked for a tenant deleted or frozen before its turn came: no file to copy, or (deleted and created
     * again) its data key destroyed. Nothing is lost: a deleted tenant needs none, a frozen one has its own.
     */
    private boolean goneMeanwhile(String tenant, Exception e) {
        return !files.exists(tenant) || e instanceof io.cairn.topics.seal.KeyErasedException;
    }

    private void take(String tenant, boolean forFreeze) throws Exception {
        if (!files.exists(tenant)) throw new IOException("the tenant has no file here (cold, deleted, or never created)");
        Path scratch = files.snapshotScratch(tenant);
        requireRoomForACopy(tenant);
        try {
            ConsistentCopy.Copy copy = ConsistentCopy.takeInWalMode(files.database(tenant), scratch); // placed as a file, it opens as it is
            long offset = copy.position().offset();
            SnapshotInfo info = store.put(tenant, offset, copy.file());
            if (purge.ofDeletedLife(tenant, offset)) {
                log.info("tenant {}: deleted while its snapshot at offset {} was stored; removed again", tenant, offset);
                return;
            }
            if (forFreeze) {
                readBack(tenant, offset, scratch);
                FaultPoints.reach(FaultPoints.SNAPSHOT_STORED);
            }
            SnapshotRefSpec ref = SnapshotRefSpec.newBuilder().setOffset(offset).setSizeBytes(info.sizeBytes())
                    .setStoredBytes(info.storedBytes()).setSha256(info.sha256()).setKey(SnapshotKeys.key(tenant, offset))
                    .setTakenAtMs(info.createdAt().toEpochMilli()).build();
            long now = System.currentTimeMillis();
            Object payload = forFreeze ? Frozen.newBuilder().setSnapshot(ref).build() : SnapshotTaken.newBuilder().setSnapshot(ref).build();
            TenantCommand record = TenantCommand.newBuilder().setCommandId((forFreeze ? "frozen-" : "snapshot-") + tenant + "-" + offset + "-" + now)
                    .setTenant(tenant).setIngressTimeMs(now).setSeed(0).setIdempotencyKey(null)
                    .setPayload(payload).build();
            tenantLog.append(record).get(30, TimeUnit.SECONDS);
            taken.increment();
            bytes.record(info.storedBytes());
            prune(tenant);
            log.info("tenant {}: snapshot at offset {} stored ({} bytes, {} compressed)", tenant, offset, info.sizeBytes(), info.storedBytes());
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /**
     * Before a tenant's only copy is removed, its snapshot is downloaded again and checked: the store
     * verifies size and SHA-256 (a {@link io.cairn.connectors.snapshot.SnapshotCorruptException} otherwise),
     * and the file must hold the position it was stored under. Reuses the copy's scratch path.
     */
    private void readBack(String tenant, long offset, Path scratch) throws Exception {
        Files.deleteIfExists(scratch);
        if (store.download(tenant, offset, scratch).isEmpty()) {
            throw new IOException("snapshot at offset " + offset + " is not in the store right after it was stored");
        }
        long holds = ConsistentCopy.positionOf(scratch).offset();
        if (holds != offset) throw new IOException("snapshot at offset " + offset + " reads back holding offset " + holds);
    }

    /**
     * The copy is written to the hot volume before it is uploaded: it must not take the space the
     * tenants' writes need. Refused (not retried) when the volume would keep less than
     * {@link #MIN_FREE_AFTER_COPY} free with a copy as large as the file.
     */
    private void requireRoomForACopy(String tenant) throws IOException {
        long size = sizeOf(tenant);
        long usable = Files.getFileStore(files.root()).getUsableSpace();
        if (usable - size < MIN_FREE_AFTER_COPY) {
            throw new IOException("not enough free space on the hot volume for a copy of " + size + " bytes (" + usable + " usable)");
        }
    }

    /** Deletes the snapshots of the tenant {@link SnapshotRetention} lets go; a failure only leaves more behind. */
    private void prune(String tenant) {
        try {
            // The newest `keep` always stay: up to that many, one listing settles it, without reading each one's details.
            if (store.offsets(tenant).size() <= retention.keep()) return;
            for (SnapshotInfo old : retention.toDelete(store.list(tenant), java.time.Instant.now())) store.delete(tenant, old.offset());
        } catch (SnapshotStoreException e) {
            log.warn("tenant {}: old snapshots not pruned ({}); the next snapshot tries again", tenant, e.getMessage());
        }
    }

    @Override
    public void close() {
        retryTimer.shutdownNow();
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tenantLog.close();
    }
}
