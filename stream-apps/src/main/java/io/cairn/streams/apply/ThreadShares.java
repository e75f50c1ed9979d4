package io.cairn.streams.apply;

import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Sealed;
import io.cairn.topics.avro.TenantCommand;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * How much of the stream thread each tenant took lately, so that no tenant keeps the thread every other
 * tenant of its partition shares by sending many writes that are each cheap: a flood of batches of 1,000
 * inserts, each well under the quick budget, kept another tenant's single writes waiting 24 s behind it.
 * A tenant whose records took more than {@code maxNanos} of a window while the thread was busy (its records
 * and its task's other tenants' took more than half the window so far) is <b>over its share</b>, for the rest
 * of that window and the next: its next writes go to the {@link HeavyLane} (which keeps them while it has any),
 * so it waits on itself while the others' records go on. Time decides only where a record runs, never its
 * outcome: the lane applies it with the full budget, which the quick budget only ever defers to.
 *
 * <p>A thread less than half busy keeps everyone's records: the others wait at most for the record in hand, and
 * the lane is no place for a tenant that only writes steadily. On a host running at a fifth of its speed, 200
 * single writes a second took over a fifth of the thread's wall time with no other tenant writing; sent to the
 * lane, whose threads run at a lower priority and were busy with a fleet migration, they waited 7 s each and
 * 72,614 were refused with 429 (the bench's fleet scenario).
 *
 * <p>A single record that <b>overran</b> the quick budget's wall time by far ({@link #OVERRUN_NANOS}) ran where
 * SQLite could not stop it (work inside one step of its program, such as parsing a full-text query of tens of
 * thousands of terms: a second, all of it). Every tenant of the partition waited that long, and the tenant may
 * send the same again: its writes go to the lane for {@link #OVERRUN_PENALTY} times as long as the record took
 * (at most {@link #MAX_PENALTY_NANOS}), so such records take at most about 3% of the thread, not a fifth.
 *
 * <p>One per stream task; used by its thread only.
 */
final class ThreadShares {
    /** The window: one second. */
    static final long WINDOW_NANOS = 1_000_000_000L;
    /** A fifth of the thread: far more than a tenant writing as an application does, much less than a flood. */
    static final long MAX_NANOS = 200_000_000L;

    /** A record this long ran past the quick budget's 200 ms wall where nothing could stop it. */
    static final long OVERRUN_NANOS = 2 * Budget.QUICK_WALL_NANOS;
    /** How many times an overrun's length its tenant's writes then go to the lane. */
    static final long OVERRUN_PENALTY = 30;
    /**
     * The longest a tenant is sent to the lane for one overrun: two hours. At five minutes, a tenant whose one write
     * held the thread 229 s could do it again every five minutes (outside probe); now about 3% of the time at most.
     */
    static final long MAX_PENALTY_NANOS = 7_200_000_000_000L;

    private final long windowNanos;
    /** Tenants sent to the lane for an overrun, until this nanoTime. */
    private final Map<String, Long> penalisedUntil = new HashMap<>();
    private final long maxNanos;
    private long windowStart = Long.MIN_VALUE;
    private final Map<String, Long> used = new HashMap<>();
    /** The time every tenant's records took in this window. */
    private long total;
    /** Tenants over their share in this window; and in the window before. */
    private Set<String> over = new HashSet<>();
    private Set<String> overLastWindow = Set.of();

    ThreadShares() {
        this(WINDOW_NANOS, MAX_NANOS);
    }

    ThreadShares(long windowNanos, long maxNanos) {
        this.windowNanos = windowNanos;
        this.maxNanos = maxNanos;
    }

    /**
     * Whether {@code cmd} goes to the lane rather than run here: a write (a batch, clear or sealed) of a tenant over its
     * share. Its other records stay on the stream thread: in the lane a {@code Frozen} is only recorded and the tenant
     * stays hot, so a freeze asked for right after a burst of writes never finished (the bench waited 5 minutes).
     */
    boolean sendsToLane(TenantCommand cmd, long now) {
        boolean write = cmd.getPayload() instanceof ExecuteBatch || cmd.getPayload() instanceof Sealed;
        return write && overShare(cmd.getTenant(), now);
    }

    /** Whether {@code tenant} took more than its share of this window or the one before, as of {@code now} (nanoTime). */
    boolean overShare(String tenant, long now) {
        roll(now);
        Long until = penalisedUntil.get(tenant);
        return until != null && now - until < 0 || overLastWindow.contains(tenant) || over.contains(tenant);
    }

    /** {@code tenant}'s record took {@code nanos} of the thread, ending at {@code now}. */
    void spent(String tenant, long nanos, long now) {
        roll(now);
        long mine = used.merge(tenant, nanos, Long::sum);
        total += nanos;
        // busy: more than half of the window so far (a record that began before the window counts whole)
        if (mine > maxNanos && 2 * total > now - windowStart) over.add(tenant);
        if (nanos >= OVERRUN_NANOS) penalisedUntil.put(tenant, now + Math.min(MAX_PENALTY_NANOS, nanos * OVERRUN_PENALTY));
    }

    private void roll(long now) {
        if (windowStart != Long.MIN_VALUE && now - windowStart < windowNanos) return;
        boolean adjacent = windowStart != Long.MIN_VALUE && now - windowStart < 2 * windowNanos;
        overLastWindow = adjacent ? over : Set.of();
        over = new HashSet<>();
        used.clear();
        total = 0;
        penalisedUntil.values().removeIf(until -> now - until >= 0);
        windowStart = now;
    }
}
