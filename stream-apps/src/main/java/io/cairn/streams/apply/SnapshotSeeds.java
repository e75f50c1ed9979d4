package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotCorruptException;
import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.tenantdb.sqlite.ConsistentCopy;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the snapshot a tenant's rebuild starts from: the newest one at or before the last record the
 * rebuild must hold, taken after the tenant's last creation took effect (a snapshot of an earlier
 * tenant of the same name is never used), that downloads with its size and SHA-256 matching and holds the position it
 * claims. A corrupt one is counted ({@code cairn.snapshots.corrupt}) and the next older one tried, with
 * a longer replay; a store that cannot be reached means a replay from the log's start. Never wrong data:
 * at worst a slower rebuild.
 */
final class SnapshotSeeds {
    private static final Logger log = LoggerFactory.getLogger(SnapshotSeeds.class);

    private final SnapshotStore store;
    private final TenantDatabasePool pool;
    private final Counter corrupt;
    private final Counter seeded;

    /**
     * For a rebuild into an empty directory, which has no registry: any snapshot at or before the bound
     * may seed, since the rebuild then replays every later record of the tenant (a delete and a new
     * creation after a snapshot of an earlier tenant of the same name replace it).
     */
    static SnapshotSeeds forRebuild(SnapshotStore store, MeterRegistry registry) {
        return new SnapshotSeeds(store, null, registry);
    }

    SnapshotSeeds(SnapshotStore store, TenantDatabasePool pool, MeterRegistry registry) {
        this.store = store;
        this.pool = pool;
        this.corrupt = Counter.builder("cairn.snapshots.corrupt")
                .description("snapshots that failed verification when a rebuild wanted them (an older one was used)").register(registry);
        this.seeded = Counter.builder("cairn.snapshots.seeded").description("rebuilds that started from a snapshot").register(registry);
    }

    SnapshotStore store() {
        return store;
    }

    /**
     * Places the newest usable snapshot of {@code tenant} holding no record past {@code lastOffset} as
     * the tenant's file under {@code scratchHotDir}; returns its offset, or -1 when there is none (replay
     * from the start).
     */
    long seed(String tenant, long lastOffset, Path scratchHotDir) throws SQLException {
        return seed(tenant, 0, lastOffset, scratchHotDir);
    }

    /**
     * As {@link #seed(String, long, Path)}, among the snapshots at {@code firstOffset} or later only (the
     * older ones need records the log no longer holds).
     */
    long seed(String tenant, long firstOffset, long lastOffset, Path scratchHotDir) throws SQLException {
        long createdAt = pool == null ? 0 : pool.registry().createdOffset(tenant);
        if (createdAt < 0) return -1;
        long from = Math.max(createdAt, firstOffset);
        List<Long> candidates;
        try {
            // Offsets from one listing: each candidate's details come with its download, so a tenant keeping
            // many snapshots costs no request per snapshot it does not use.
            candidates = store.offsets(tenant).reversed().stream().filter(o -> o <= lastOffset && o >= from).toList();
        } catch (SnapshotStoreException e) {
            log.warn("tenant {}: snapshot store unreachable ({}); rebuilding from the log's start", tenant, e.getMessage());
            return -1;
        }
        TenantFiles scratch = new TenantFiles(scratchHotDir);
        scratch.prepare(tenant);
        for (long offset : candidates) {
            switch (place(tenant, offset, null, scratch.database(tenant))) {
                case PLACED -> {
                    return offset;
                }
                case UNREACHABLE -> {
                    return -1;
                }
                case MISSING, CORRUPT -> { } // deleted meanwhile, or counted: try an older one
            }
        }
        return -1;
    }

    /**
     * Places the snapshot of {@code tenant} at exactly {@code offset} as the file {@code target} (a cold
     * tenant's own snapshot); false when it is gone, fails verification (counted, as above) or the store
     * cannot be reached: the caller then rebuilds the general way. When the verified snapshot's SHA-256 is
     * {@code sha256}, the one the log recorded for the snapshot taken at that offset, the file is not opened to
     * check the position it holds: those bytes are that snapshot.
     */
    boolean seedExactly(String tenant, long offset, String sha256, Path target) {
        try {
            if (!Files.isDirectory(target.getParent())) Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Placed p = place(tenant, offset, sha256, target);
        if (p == Placed.MISSING) log.error("tenant {}: its cold snapshot at offset {} is missing from the store", tenant, offset);
        return p == Placed.PLACED;
    }

    private enum Placed { PLACED, MISSING, CORRUPT, UNREACHABLE }

    /**
     * Downloads one snapshot as {@code target} and checks the position it holds, unless its verified SHA-256
     * is {@code sha256} (the log's record of the snapshot taken at that offset).
     */
    private Placed place(String tenant, long offset, String sha256, Path target) {
        try {
            Optional<SnapshotInfo> got = store.download(tenant, offset, target);
            if (got.isEmpty()) return Placed.MISSING;
            if (sha256 == null || !sha256.equals(got.get().sha256())) {
                long holds = positionIn(target);
                if (holds != offset) throw new SnapshotCorruptException("download", tenant, offset, "it holds offset " + holds, null);
            }
            seeded.increment();
            return Placed.PLACED;
        } catch (SnapshotCorruptException e) {
            corrupt.increment();
            log.error("tenant {}: snapshot at offset {} is corrupt ({}); an older one or the log is used", tenant, offset, e.getMessage());
            deleteQuietly(target);
            return Placed.CORRUPT;
        } catch (SnapshotStoreException e) {
            log.warn("tenant {}: snapshot store failed ({}); rebuilding from the log", tenant, e.getMessage());
            deleteQuietly(target);
            return Placed.UNREACHABLE;
        } catch (io.cairn.topics.seal.KeyErasedException e) {
            // The tenant was deleted later in the log and its keys destroyed: no snapshot of it opens, and its
            // records, erased too, are passed over by the replay.
            log.info("tenant {}: snapshot at offset {} is sealed with a destroyed key (the tenant was erased); replaying from the log", tenant, offset);
            deleteQuietly(target);
            return Placed.UNREACHABLE;
        }
    }

    /** The offset the file holds; -2 when it cannot be read as a tenant file. */
    private static long positionIn(Path file) {
        try {
            return ConsistentCopy.positionOf(file).offset();
        } catch (SQLException e) {
            return -2;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("could not remove {}", file, e);
        }
    }
}
