package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.tenantdb.sqlite.ConsistentCopy;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;

/**
 * A tenant's content as it was right after one record of its partition: the newest snapshot at or before
 * that record that verifies (size, SHA-256, the position it holds), then the tenant's records after it up
 * to that record, replayed with the applier's own code ({@link LogReplay}); without a usable snapshot,
 * the tenant's records from the partition's start. Exact to the record, and the same on every copy: a
 * snapshot at offset n is the content after record n, whichever applier took it.
 *
 * <p>What restore, fork, as-of reads and exports build on. A {@code RestoreFrom} met while replaying is
 * applied the same way (a build of its own, in a directory nested in this one).
 *
 * <p>Thread-safe: every build has its own replay and scratch directory.
 */
public final class PastContent {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PastContent.class);

    private final Map<String, Object> kafkaClientProps;
    private final ApplierConfig config;
    private final SnapshotStore store;
    /** Null until a build needs it when none was given: a replay's own PastContent is made per thaw and rarely builds. */
    private MeterRegistry meters;
    /** The points the enclosing build made (this one is nested in it); null: each build keeps its own. */
    private final BuiltPoints points;

    /**
     * @param config how records are applied (limits, result rows); its hot directory is not used
     * @param store the snapshots to start from; null: every build replays from the partition's start
     */
    public PastContent(Map<String, Object> kafkaClientProps, ApplierConfig config, SnapshotStore store, MeterRegistry meters) {
        this(kafkaClientProps, config, store, meters, null);
    }

    /** One for the builds nested in a build: the points it made are kept in {@code points}. */
    PastContent(Map<String, Object> kafkaClientProps, ApplierConfig config, SnapshotStore store, MeterRegistry meters, BuiltPoints points) {
        this.kafkaClientProps = Map.copyOf(kafkaClientProps);
        this.config = config;
        this.store = store;
        this.meters = meters;
        this.points = points;
    }

    private synchronized MeterRegistry meters() {
        if (meters == null) meters = new SimpleMeterRegistry();
        return meters;
    }

    /**
     * Places {@code tenant}'s file as it was right after the record at {@code lastOffset} of
     * {@code partition} under the empty directory {@code scratchHotDir} ({@link TenantFiles#database} of
     * it); returns false, with no file there, when the tenant did not exist then (not yet created, or
     * deleted). Throws when the log and the snapshots no longer hold that point (retention removed records
     * no kept snapshot covers).
     */
    public boolean build(String tenant, int partition, long lastOffset, Path scratchHotDir) throws SQLException {
        return build(tenant, partition, -1, lastOffset, scratchHotDir);
    }

    /**
     * As {@link #build(String, int, long, Path)}, knowing that the tenant alive at {@code lastOffset} was
     * created by the record at {@code createdOffset} (-1: not known): only snapshots at or after it are
     * candidates, and without one the replay starts there, not at the partition's start, so the records of
     * the partition before it (other tenants', or an earlier tenant's of the same name) are not read. Each
     * record before it belongs to another tenant, so the content is the same as from the start.
     */
    public boolean build(String tenant, int partition, long createdOffset, long lastOffset, Path scratchHotDir) throws SQLException {
        if (createdOffset > lastOffset) throw new IllegalArgumentException("created at " + createdOffset + ", after the point " + lastOffset);
        if (points != null) return build(tenant, partition, createdOffset, lastOffset, scratchHotDir, points);
        try (BuiltPoints own = new BuiltPoints(scratchHotDir.resolve(".points"))) {
            return build(tenant, partition, createdOffset, lastOffset, scratchHotDir, own);
        }
    }

    private boolean build(String tenant, int partition, long createdOffset, long lastOffset, Path scratchHotDir, BuiltPoints built)
            throws SQLException {
        Boolean known = built.place(tenant, partition, createdOffset, lastOffset, scratchHotDir);
        if (known != null) return known;
        TenantFiles scratch = new TenantFiles(scratchHotDir);
        LogReplay replay = new LogReplay(kafkaClientProps, config.withRole(config.role(), config.applicationId(), scratchHotDir))
                .withPoints(built);
        if (store != null) replay = replay.withSnapshots(store, meters());
        long start = System.nanoTime();
        long seeded = store == null ? -1
                : SnapshotSeeds.forRebuild(store, meters()).seed(tenant, Math.max(0, createdOffset), lastOffset, scratchHotDir);
        if (seeded >= 0 && ConsistentCopy.positionOf(scratch.database(tenant)).partition() != partition) {
            deleteQuietly(scratch.database(tenant)); // a snapshot of another log's tenant of that name: replay instead
            seeded = -1;
        }
        long placed = System.nanoTime();
        ReplayProgress replayed = null;
        if (seeded >= 0) {
            if (seeded < lastOffset) replayed = replay.replayPartitionFrom(partition, seeded + 1, lastOffset + 1, tenant::equals, progress -> { });
        } else if (createdOffset >= 0) {
            replayed = fromCreation(replay, tenant, partition, createdOffset, lastOffset);
        } else {
            replayed = replay.replayPartition(partition, lastOffset + 1, tenant::equals, progress -> { });
        }
        log.info("tenant {}: content at {}:{} built from {} in {} ms ({} ms placing it, {} records replayed in {} ms)", tenant, partition, lastOffset,
                seeded >= 0 ? "the snapshot at " + seeded : createdOffset >= 0 ? "its creation at " + createdOffset : "the log's start",
                (System.nanoTime() - start) / 1_000_000, (placed - start) / 1_000_000,
                replayed == null ? 0 : replayed.applied(), (System.nanoTime() - placed) / 1_000_000);
        boolean existed = Files.exists(scratch.database(tenant));
        built.remember(tenant, partition, createdOffset, lastOffset, existed ? scratch.database(tenant) : null);
        return existed;
    }

    /**
     * The tenant's records from its creation on, onto a directory without its file. A replay that cannot go
     * on (retention removed some of them, and no kept snapshot covers them) is a SQLException, as the contract says.
     */
    private static ReplayProgress fromCreation(LogReplay replay, String tenant, int partition, long createdOffset, long lastOffset)
            throws SQLException {
        try {
            return replay.replayPartitionFrom(partition, createdOffset, lastOffset + 1, tenant::equals, progress -> { });
        } catch (IllegalStateException e) {
            throw new SQLException("tenant " + tenant + ": could not replay its records from its creation at " + partition + ":"
                    + createdOffset + ": " + e.getMessage(), e);
        }
    }

    /**
     * Places the imported file {@code id} of {@code tenant} under {@code scratchHotDir} as the tenant's file,
     * verified against the store's checksum and against the record's ({@code sha256}, {@code sizeBytes}): a
     * record always gets the bytes it was written for. Throws when the store has no such import or it does not
     * match (never a verdict: the store, not the log, is at fault).
     */
    public void fetchImport(String tenant, String id, String sha256, long sizeBytes, Path scratchHotDir) throws SQLException {
        if (store == null) {
            // The process, not the record, is at fault: waited out (never quarantined), so no copy skips an import another applies.
            throw new SnapshotStoreException("import", tenant, -1, "an import is applied from the snapshot store, and this process has none"
                    + " (give it the snapshots section: docs/replicas.md)", null);
        }
        TenantFiles scratch = new TenantFiles(scratchHotDir);
        scratch.prepare(tenant);
        var info = store.downloadImport(tenant, id, scratch.database(tenant))
                .orElseThrow(() -> new SQLException("tenant " + tenant + ": import " + id + " is not in the snapshot store"));
        if (!info.sha256().equals(sha256) || info.sizeBytes() != sizeBytes) {
            deleteQuietly(scratch.database(tenant));
            throw new SQLException("tenant " + tenant + ": import " + id + " in the store is not the one its record names");
        }
    }

    /** The store builds start from; null when there is none. */
    SnapshotStore store() {
        return store;
    }

    /** Whether this applies records behind a primary (a replica reading the primary's snapshot store). */
    boolean followsPrimary() {
        return store != null && config.role() == ApplierConfig.Role.REPLICA;
    }

    /**
     * Places the primary's own snapshot of the fork {@code tenant} under {@code scratchHotDir}: the oldest
     * that verifies, at or after {@code fromOffset} of {@code partition}, of the life created at {@code createdOffset}
     * (the file's {@code _cairn_tenant} says so). What a replica applies a fork from when the fork's source was
     * erased before it got there: the primary built it while the source existed and stored it at once. Returns
     * the position the placed file holds, or null when the store has none (yet). Throws
     * {@link SnapshotStoreException} while the store cannot be reached, and
     * {@link io.cairn.topics.seal.KeyErasedException} when the fork itself was erased since.
     */
    io.cairn.topics.Bookmark placeForkSnapshot(String tenant, int partition, long fromOffset, long createdOffset, Path scratchHotDir)
            throws SQLException {
        TenantFiles scratch = new TenantFiles(scratchHotDir);
        scratch.prepare(tenant);
        Path target = scratch.database(tenant);
        for (long offset : store.offsets(tenant)) {
            if (offset < fromOffset) continue;
            try {
                if (store.download(tenant, offset, target).isEmpty()) continue; // removed since the listing
            } catch (io.cairn.connectors.snapshot.SnapshotCorruptException e) {
                log.error("tenant {}: snapshot at offset {} is corrupt ({}); trying a later one", tenant, offset, e.getMessage());
                deleteQuietly(target);
                continue;
            }
            io.cairn.topics.Bookmark holds = ConsistentCopy.positionOf(target);
            if (holds.partition() == partition && holds.offset() == offset && createdOffsetIn(tenant, target) == createdOffset) return holds;
            deleteQuietly(target); // another log's tenant of that name, or a later life of it
        }
        return null;
    }

    private long createdOffsetIn(String tenant, Path file) throws SQLException {
        try (var c = io.cairn.tenantdb.sqlite.SqliteConnections.openReadOnly(tenant, file, config.limits());
             var s = c.connection().createStatement();
             var rs = s.executeQuery("SELECT created_offset FROM _cairn_tenant WHERE id = 0")) {
            return rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not remove " + file, e);
        }
    }
}
