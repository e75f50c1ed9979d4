package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;

/**
 * What idle tenants cost the process: footprint before, then {@code count} tenants created and left
 * alone, then footprint again. The difference is what they hold (directory entries, states, files
 * the applier or edge keep open).
 */
public final class IdleTenants {
    /** Footprint before and after, and the creation run. */
    public record Result(ProcessStats before, ProcessStats after, Tenants.Created created) {
        public double rssAddedMb() {
            return (after.rssBytes() - before.rssBytes()) / 1048576.0;
        }

        public long filesAdded() {
            return after.openFiles() - before.openFiles();
        }

        public double heapAddedMb() {
            return (after.heapUsedBytes() - before.heapUsedBytes()) / 1048576.0;
        }
    }

    private IdleTenants() {}

    public static Result measure(CairnClient client, int count, int clients) throws Exception {
        ProcessStats before = ProcessStats.now();
        Tenants.Created created = Tenants.create(client, "idle", count, clients);
        // "Idle" means unused for a while: the applier closes a tenant file 10 s after its last use.
        Thread.sleep(12_000);
        return new Result(before, ProcessStats.now(), created);
    }
}
