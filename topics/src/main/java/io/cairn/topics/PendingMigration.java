package io.cairn.topics;

import io.cairn.topics.avro.RunStarted;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.TenantState;

/**
 * Whether a fleet migration run still waits on a tenant: it sent the tenant an {@code ApplyMigration}
 * that the tenant's state shows neither applied nor failed. A cold tenant keeps such a record in its
 * cold tail until it thaws, so its snapshot alone no longer shows its content. The one rule both the
 * edge (which thaws such a tenant for a read) and a rebuild (which may not start it from its cold
 * snapshot alone) use.
 */
public final class PendingMigration {
    private PendingMigration() {}

    /**
     * True when {@code run} (started at {@code startedAtMs}), which lists {@code state}'s tenant, still
     * waits on it.
     */
    public static boolean waitsOn(RunStarted run, long startedAtMs, TenantState state) {
        if (startedAtMs < state.getCreatedAtMs()) return false; // sent to an earlier tenant of the same name
        for (SetVersion v : state.getMigrations()) {
            if (!v.getSet().equals(run.getSet())) continue;
            if (v.getVersion() >= run.getTargetVersion()) return false;
            return !(run.getRunId().equals(v.getRunId()) && v.getFailedVersion() != null);
        }
        return true;
    }
}
