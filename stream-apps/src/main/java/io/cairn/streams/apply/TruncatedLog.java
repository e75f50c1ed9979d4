package io.cairn.streams.apply;

import io.cairn.topics.TenantId;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What a rebuild relies on when retention removed the beginning of some partitions of the log: where
 * each such partition starts now, and the last state the live applier announced for every tenant (the
 * compacted {@code cairn.tenant-state}, which outlives the log's retention).
 *
 * <p>A tenant of such a partition can be rebuilt from a snapshot that leaves none of its removed records
 * unapplied: one at or after the offset just before the partition's start, or, for a tenant that is cold,
 * its cold snapshot (every record of a cold tenant after it changes no data, or the tenant would not be
 * cold; but for a fleet migration a run still waits on, which is kept for its thaw). Without such a snapshot it can be rebuilt only from a creation still in the log; otherwise it is
 * stranded: the rebuild cannot give it back and says so.
 */
final class TruncatedLog {
    static final TruncatedLog NONE = new TruncatedLog(Map.of(), Map.of(), MigrationRuns.NONE);

    private final Map<Integer, Long> starts;
    private final Map<String, TenantState> states;
    private final MigrationRuns runs;

    /**
     * @param starts the first offset of every partition that no longer starts at 0
     * @param states the newest state of every existing tenant
     * @param runs the fleet migration runs: a cold tenant a run still waits on keeps that migration in its
     *     cold tail, so its cold snapshot alone is not its content
     */
    TruncatedLog(Map<Integer, Long> starts, Map<String, TenantState> states, MigrationRuns runs) {
        this.starts = Map.copyOf(starts);
        this.states = Map.copyOf(states);
        this.runs = runs;
    }

    boolean truncated(int partition) {
        return starts.containsKey(partition);
    }

    /** The existing tenants {@code selected} accepts whose partition was truncated: seed them before the replay. */
    List<String> tenantsToSeed(Predicate<String> selected) {
        return states.entrySet().stream()
                .filter(e -> truncated(e.getValue().getPartition()) && TenantId.isValid(e.getKey()) && selected.test(e.getKey()))
                .map(Map.Entry::getKey).sorted().toList();
    }

    int partitionOf(String tenant) {
        return states.get(tenant).getPartition();
    }

    /** The oldest snapshot offset that may seed {@code tenant} of the truncated {@code partition}. */
    long snapshotFloor(String tenant, int partition) {
        long floor = starts.get(partition) - 1;
        TenantState s = states.get(tenant);
        if (s != null && s.getTier() == Tier.COLD && s.getSnapshot() != null && s.getPartition() == partition && !runs.pendingFor(s)) {
            floor = Math.min(floor, s.getSnapshot().getOffset());
        }
        return floor;
    }

    /**
     * True when {@code record}, of a tenant no snapshot could seed, begins what the log holds of it: a
     * creation, and not a refused second creation of a tenant that already existed (whose creation
     * time, the ingress time of its own creation record, is older).
     */
    boolean beginsTenant(TenantCommand record) {
        if (!(record.getPayload() instanceof CreateTenant)) return false;
        TenantState s = states.get(record.getTenant());
        return s == null || s.getCreatedAtMs() >= record.getIngressTimeMs();
    }

    /** True when the tenant exists now: one that could not be rebuilt is then stranded (a deleted one is not). */
    boolean exists(String tenant) {
        return states.containsKey(tenant);
    }
}
