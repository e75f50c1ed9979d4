package io.cairn.streams.apply;

import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Statement;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a tenant is due a snapshot without anyone asking: after {@code everyWrites} applied writes, or
 * about {@code everyBytes} of them (their SQL and parameters), since its last snapshot, whichever comes
 * first. Counted in memory per applier, so a restart counts afresh. Either bounds what a heal of the
 * tenant replays.
 *
 * <p>A snapshot copies, compresses and uploads the whole file, so both counts grow with the tenant's size:
 * times one per {@link #SIZE_UNIT} of it for writes, per four units for bytes. Otherwise a 1 GiB tenant
 * sending 10,000 one-row writes (seconds of the applier's time) made the node copy, compress and store a
 * gigabyte each time, over and over: the snapshot work one tenant can cause stays in proportion to its
 * writes. A tenant of up to 64 MiB is snapshotted as the counts say. Thread-safe.
 */
final class SnapshotPolicy {
    /** The default count: a heal replays at most about this many of the tenant's writes. */
    static final int EVERY_WRITES = 10_000;
    /** The default volume: a heal replays at most about this much of the tenant's log. */
    static final long EVERY_BYTES = 64L << 20;

    /** The size by which the counts are multiplied (see above). */
    static final long SIZE_UNIT = 64L << 20;

    /** Writes and bytes counted since a tenant's last snapshot. */
    private record Since(int writes, long bytes) {}

    private final int everyWrites;
    private final long everyBytes;
    private final ConcurrentHashMap<String, Since> since = new ConcurrentHashMap<>();

    SnapshotPolicy(int everyWrites, long everyBytes) {
        if (everyWrites < 1) throw new IllegalArgumentException("everyWrites must be >= 1");
        if (everyBytes < 1) throw new IllegalArgumentException("everyBytes must be >= 1");
        this.everyWrites = everyWrites;
        this.everyBytes = everyBytes;
    }

    /** {@link #applied(String, long, java.util.function.LongSupplier)} of a tenant no bigger than {@link #SIZE_UNIT}. */
    boolean applied(String tenant, long bytes) {
        return applied(tenant, bytes, () -> 0);
    }

    /**
     * Counts an applied write of {@code bytes}; true when the tenant is due (its counts then start again).
     * {@code size}, the tenant's size in bytes, is asked only once the counts reach their unscaled values.
     */
    boolean applied(String tenant, long bytes, java.util.function.LongSupplier size) {
        Since now = since.merge(tenant, new Since(1, bytes), (a, b) -> new Since(a.writes() + b.writes(), a.bytes() + b.bytes()));
        if (now.writes() < everyWrites && now.bytes() < everyBytes) return false;
        long units = Math.max(0, size.getAsLong()) / SIZE_UNIT;
        if (now.writes() < everyWrites * Math.max(1, units) && now.bytes() < everyBytes * Math.max(1, units / 4)) return false;
        since.remove(tenant);
        return true;
    }

    /** A snapshot of the tenant was asked for some other way: its counts start again. */
    void reset(String tenant) {
        since.remove(tenant);
    }

    /** Tenants with writes counted: the memory the policy holds. */
    int tracked() {
        return since.size();
    }

    /** About what a batch weighs on the log: its SQL and its parameters' values. */
    static long bytesOf(ExecuteBatch batch) {
        long n = 0;
        for (Statement s : batch.getStatements()) {
            n += s.getSql().length();
            for (Object v : s.getPositional()) n += sizeOf(v);
            for (var e : s.getNamed().entrySet()) n += e.getKey().length() + sizeOf(e.getValue());
        }
        return n;
    }

    private static long sizeOf(Object v) {
        return switch (v) {
            case null -> 1;
            case CharSequence cs -> cs.length();
            case ByteBuffer b -> b.remaining();
            default -> 8;
        };
    }
}
