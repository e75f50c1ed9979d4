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

        /** Sockets, told apart from files: mostly the load generator's connections, which share the process. */
        public long socketsAdded() {
            return after.sockets() - before.sockets();
        }

        public double heapAddedMb() {
            return (after.heapUsedBytes() - before.heapUsedBytes()) / 1048576.0;
        }
    }

    private IdleTenants() {}

    public static Result measure(CairnClient client, int count, int clients) throws Exception {
        ProcessStats before = ProcessStats.now();
        Tenants.Created created = Tenants.create(client, "idle", count, clients);
        awaitAllClosed(client);
        return new Result(before, ProcessStats.now(), created);
    }

    /**
     * "Idle" means unused for a while: the applier closes a tenant's file 10 s after its last use. Returns
     * once it has closed every one (its open-tenants gauge, and its closing-tenants gauge: a close runs in the
     * background, and the files stay open until it is done), not after a guessed delay; fails after 60 s.
     */
    static void awaitAllClosed(CairnClient client) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (openTenants(client) > 0) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the applier still holds tenants open after 60 s");
            Thread.sleep(250); // pacing the polls
        }
    }

    private static double openTenants(CairnClient client) throws Exception {
        return client.metric("cairn_applier_open_tenants", "") + client.metric("cairn_applier_closing_tenants", "");
    }
}
