package io.cairn.streams.materialize;

import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this task last wrote for each tenant, as far as it matters at once: tier, partition, schema
 * version, creation time, keys and snapshot. A state that differs there (or a tenant not remembered,
 * or a deletion) is urgent; one that moves only counters (position, size, last write, write counts)
 * can wait for the next full write-out. Remembers at most {@value #REMEMBERED} tenants; one it forgot
 * is urgent again, which costs one early write. Confined to the task's stream thread.
 */
final class WrittenStates {
    static final int REMEMBERED = 100_000;

    private record Material(Tier tier, int partition, int schemaVersion, long createdAtMs, List<ApiKey> keys, String latestSnapshot) {
        static Material of(TenantState s) {
            return new Material(s.getTier(), s.getPartition(), s.getSchemaVersion(), s.getCreatedAtMs(), List.copyOf(s.getKeys()),
                    s.getLatestSnapshot());
        }
    }

    private final Map<String, Material> written = new LinkedHashMap<>(1_024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Material> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** Whether the change cannot wait for the counters' interval. */
    boolean urgent(PendingChanges.StateChange change) {
        if (change.deleted() || change.state() == null) return true;
        return !Material.of(change.state()).equals(written.get(change.tenant()));
    }

    /** The changes are in the store now. */
    void wrote(List<PendingChanges.StateChange> changes) {
        for (PendingChanges.StateChange c : changes) {
            if (c.deleted() || c.state() == null) written.remove(c.tenant());
            else written.put(c.tenant(), Material.of(c.state()));
        }
    }
}
