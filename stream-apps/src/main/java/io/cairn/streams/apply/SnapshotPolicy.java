package io.cairn.streams.apply;

import java.util.concurrent.ConcurrentHashMap;

/**
 * When a tenant is due a snapshot without anyone asking: after {@code everyWrites} applied writes since
 * its last snapshot (counted in memory per applier, so a restart counts afresh), which bounds what a
 * heal of it replays. Thread-safe.
 */
final class SnapshotPolicy {
    /** The default: a heal replays at most about this many of the tenant's writes. */
    static final int EVERY_WRITES = 10_000;

    private final int everyWrites;
    private final ConcurrentHashMap<String, Integer> writesSince = new ConcurrentHashMap<>();

    SnapshotPolicy(int everyWrites) {
        if (everyWrites < 1) throw new IllegalArgumentException("everyWrites must be >= 1");
        this.everyWrites = everyWrites;
    }

    /** Counts an applied write; true when the tenant is due (its count then starts again). */
    boolean applied(String tenant) {
        int n = writesSince.merge(tenant, 1, Integer::sum);
        if (n < everyWrites) return false;
        writesSince.remove(tenant);
        return true;
    }

    /** A snapshot of the tenant was asked for some other way: its count starts again. */
    void reset(String tenant) {
        writesSince.remove(tenant);
    }

    /** Tenants with writes counted: the memory the policy holds. */
    int tracked() {
        return writesSince.size();
    }
}
