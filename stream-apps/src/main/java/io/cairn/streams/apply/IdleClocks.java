package io.cairn.streams.apply;

import java.util.HashMap;
import java.util.Map;

/**
 * When an open tenant database counts as idle, so that the pool closes it. By the wall clock alone, an applier
 * behind its log (taking records slower than they come) saw a tenant written every second as idle once the
 * applier's pace put its records further apart than the idle time: it closed the file, opened it again at the
 * tenant's next record, was slower for that, and fell further behind. Measured from outside with 1,000 tenants
 * written in turn: the applier applied 55 records/s while the edge took 975/s, and 41% of its stream thread
 * opened tenant files.
 *
 * <p>So idleness is counted in the log's time as well: a tenant is idle when it was not used for the idle time by
 * the wall clock, and either the applier has since applied, on the tenant's partition, a record that came that
 * long after the tenant's last one (the tenant went quiet in the log), or it has applied nothing on that
 * partition for that long by the wall clock (caught up and quiet, or stopped). A record's time is its ingress
 * time, stamped once by the edge; a record without one ({@code -1}) leaves idleness to the wall clock.
 *
 * <p>Not thread-safe: the pool guards it with its lock.
 */
final class IdleClocks {
    private final long idleNanos;
    private final long idleMs;
    private final Map<Integer, PartitionClock> partitions = new HashMap<>();

    /** What the applier last took on one partition: the newest ingress time, and when (wall clock). */
    private static final class PartitionClock {
        long newestIngressMs = -1;
        long lastTakenNanos;
    }

    IdleClocks(java.time.Duration idle) {
        this.idleNanos = idle.toNanos();
        this.idleMs = idle.toMillis();
    }

    /** A record that came in at {@code ingressMs} was applied on {@code partition} at {@code nowNanos}. */
    void taken(int partition, long ingressMs, long nowNanos) {
        if (partition < 0 || ingressMs < 0) return;
        PartitionClock clock = partitions.computeIfAbsent(partition, p -> new PartitionClock());
        clock.newestIngressMs = Math.max(clock.newestIngressMs, ingressMs);
        clock.lastTakenNanos = nowNanos;
    }

    /**
     * Whether a database last used at {@code lastUsedNanos}, whose last record on {@code partition} came in at
     * {@code lastIngressMs} ({@code -1}: none), is idle at {@code nowNanos}.
     */
    boolean idle(int partition, long lastIngressMs, long lastUsedNanos, long nowNanos) {
        if (nowNanos - lastUsedNanos < idleNanos) return false;
        PartitionClock clock = partition < 0 || lastIngressMs < 0 ? null : partitions.get(partition);
        if (clock == null) return true;
        return clock.newestIngressMs - lastIngressMs >= idleMs || nowNanos - clock.lastTakenNanos >= idleNanos;
    }
}
