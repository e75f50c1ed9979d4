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
 * long after the tenant's last one (the tenant went quiet in the log), or the partition has taken nothing for
 * that long by the wall clock while it was caught up (the newest record it took had come in less than half the
 * idle time before). A partition that went silent while behind is not quiet but waiting its turn: Kafka Streams
 * left partitions of one stream thread unprocessed for over 10 s under a backlog (measured at Kafka's 1 MiB fetches;
 * the applier's are 64 KiB a partition since, see Applier.FETCH_BYTES_PER_PARTITION), and closing their tenants then
 * cost a reopen each when it came. Its tenants close after {@link #STALLED} idle times (an applier
 * stopped for that long, say on a full volume), or over the pool's bound. A record's time is its ingress time,
 * stamped once by the edge; a record without one ({@code -1}) leaves idleness to the wall clock.
 *
 * <p>Not thread-safe: the pool guards it with its lock.
 */
final class IdleClocks {
    private final long idleNanos;
    private final long idleMs;
    private final Map<Integer, PartitionClock> partitions = new HashMap<>();

    /** How many idle times a partition that went silent while behind must stay silent before its tenants count as idle. */
    static final int STALLED = 6;

    /** What the applier last took on one partition: the newest ingress time, when (wall clock), and whether it was behind then. */
    private static final class PartitionClock {
        long newestIngressMs = -1;
        long lastTakenNanos;
        boolean behind;
    }

    IdleClocks(java.time.Duration idle) {
        this.idleNanos = idle.toNanos();
        this.idleMs = idle.toMillis();
    }

    /**
     * A record that came in at {@code ingressMs} was applied on {@code partition} at {@code nowNanos} ({@link System#nanoTime}),
     * {@code nowMs} by the clock that stamps ingress times ({@link System#currentTimeMillis}).
     */
    void taken(int partition, long ingressMs, long nowNanos, long nowMs) {
        if (partition < 0 || ingressMs < 0) return;
        PartitionClock clock = partitions.computeIfAbsent(partition, p -> new PartitionClock());
        clock.newestIngressMs = Math.max(clock.newestIngressMs, ingressMs);
        clock.lastTakenNanos = nowNanos;
        clock.behind = nowMs - clock.newestIngressMs >= idleMs / 2;
    }

    /**
     * Whether a database last used at {@code lastUsedNanos}, whose last record on {@code partition} came in at
     * {@code lastIngressMs} ({@code -1}: none), is idle at {@code nowNanos}.
     */
    boolean idle(int partition, long lastIngressMs, long lastUsedNanos, long nowNanos) {
        if (nowNanos - lastUsedNanos < idleNanos) return false;
        PartitionClock clock = partition < 0 || lastIngressMs < 0 ? null : partitions.get(partition);
        if (clock == null) return true;
        if (clock.newestIngressMs - lastIngressMs >= idleMs) return true;
        return nowNanos - clock.lastTakenNanos >= (clock.behind ? STALLED * idleNanos : idleNanos);
    }
}
