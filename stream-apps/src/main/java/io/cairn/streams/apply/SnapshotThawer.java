package io.cairn.streams.apply;

import java.nio.file.Path;
import java.sql.SQLException;

/**
 * How a thaw gets a cold tenant's file: its own snapshot (the one its cold tail starts at), downloaded
 * and verified by {@link SnapshotSeeds}; its cold tail applied by a {@link LogReplay} from the records
 * the registry keeps; and, when that snapshot cannot be used, a rebuild as self-healing does it (an
 * older snapshot and the log after it). Thread-safe: thaw threads share it.
 */
final class SnapshotThawer implements ColdTenants.Thawer {
    private final SnapshotSeeds seeds;
    private final LogReplay tails;
    private final TenantRecovery.Rebuilder rebuilder;

    /**
     * @param tails applies cold tails (only its settings are used: the files are the pool's it is given)
     * @param rebuilder the fallback; null where there is none (a thaw then fails without its own snapshot)
     */
    SnapshotThawer(SnapshotSeeds seeds, LogReplay tails, TenantRecovery.Rebuilder rebuilder) {
        this.seeds = seeds;
        this.tails = tails;
        this.rebuilder = rebuilder;
    }

    @Override
    public boolean seed(String tenant, long snapshotOffset, String sha256, Path target) {
        return seeds.seedExactly(tenant, snapshotOffset, sha256, target);
    }

    @Override
    public void applyTail(String tenant, TenantRegistry.ColdTail tail, TenantDatabasePool pool) throws SQLException {
        tails.replayOffsets(pool, tail.partition(), tail.offsets(), tail::record, tenant::equals);
    }

    @Override
    public void rebuild(String tenant, int partition, long endExclusive, Path scratchHotDir) throws SQLException {
        if (rebuilder == null) throw new SQLException("tenant " + tenant + ": its cold snapshot cannot be used and nothing else rebuilds it here");
        rebuilder.rebuild(tenant, partition, endExclusive, scratchHotDir);
    }
}
