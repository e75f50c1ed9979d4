package io.cairn.edge.read;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each copy an edge reads stands against the log: one thread reads every copy's published positions
 * and the log's ends (every {@code refresh}; the positions every millisecond while a read waits for a copy, every
 * 10 ms while only a fleet run's pacing does), so reads
 * can wait for a copy without each asking on its own, and a copy's lag is known in records and in time.
 *
 * <p>Lag in time is the copy's staleness: how long ago the log ended where the copy now stands (it holds
 * everything the log held then, and may miss what came after). It is measured against the ends this
 * tracker saw, so it is exact to within {@code refresh}, and errs on the side of a larger lag. Thread-safe.
 */
public final class CopyTracker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CopyTracker.class);
    /** Ends remembered per partition: at 10 per second, over 15 minutes of constant writing. */
    static final int HISTORY = 10_000;

    /** The log's end of every partition. */
    @FunctionalInterface
    public interface LogEndsSource {
        Map<Integer, Long> ends() throws InterruptedException;
    }

    /**
     * A time range during which the tracker saw a partition end at {@code end}: each time is when the look began,
     * before Kafka answered, so the log held at most {@code end} records then.
     */
    private record Seen(long firstMs, long lastMs, long end) {}

    private final List<ReadCopy> copies;
    private final LogEndsSource source;
    private final Duration refresh;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition moved = lock.newCondition();
    private final Condition wanted = lock.newCondition();
    private final Map<Integer, ArrayDeque<Seen>> history = new HashMap<>();
    private final Map<String, Map<Integer, Long>> positions = new ConcurrentHashMap<>();
    /** Per copy and tenant ("copy/tenant"), the created offset of the life the copy is known to hold. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Long> lives =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(200_000).build();
    private volatile int waiters;
    private volatile int unhurriedWaiters;
    /** When the log's ends were last asked for (whether Kafka answered or not); negative before the first time. */
    private volatile long lastEndsMs = Long.MIN_VALUE / 2;
    /** When the newest look Kafka answered began; negative before the first. */
    private volatile long lastAnsweredMs = Long.MIN_VALUE / 2;
    /** A read wants a look at the log's ends now ({@link #awaitLookSince}), not at the next refresh. */
    private volatile boolean lookWanted;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Map<String, Object> details = Map.of();

    public CopyTracker(List<ReadCopy> copies, LogEndsSource source, Duration refresh, MeterRegistry registry) {
        this.copies = List.copyOf(copies);
        this.source = source;
        this.refresh = refresh;
        for (ReadCopy c : this.copies) {
            positions.put(c.name(), Map.of());
            Gauge.builder("cairn.copy.lag.records", this, t -> t.lagRecords(c.name())).tag("copy", c.name())
                    .description("records of the log the copy has not applied yet (the most over its partitions)").register(registry);
            Gauge.builder("cairn.copy.lag.ms", this, t -> {
                        long ms = t.lagMillis(c.name(), System.currentTimeMillis());
                        return ms == Long.MAX_VALUE ? Double.NaN : ms;
                    }).tag("copy", c.name())
                    .description("how long ago the log ended where the copy stands (the most over its partitions)").register(registry);
        }
        this.thread = Thread.ofPlatform().daemon().name("cairn-copy-tracker").unstarted(this::run);
    }

    /** Reads the copies' positions and starts the thread, which asks Kafka for the log's ends first thing. */
    public CopyTracker start() {
        tick(false);
        thread.start();
        return this;
    }

    public List<ReadCopy> copies() {
        return copies;
    }

    /** The offset below which {@code copy} has applied {@code partition} (but for its pending tenants), as last seen; -1 when none. */
    public long next(String copy, int partition) {
        return positions.getOrDefault(copy, Map.of()).getOrDefault(partition, -1L);
    }

    /**
     * Waits until {@code copy} holds every record of {@code tenant} below {@code endExclusive} on {@code
     * partition} ({@link io.cairn.tenantdb.sqlite.CopyPositions}); false when {@code timeout} passed first.
     */
    public boolean awaitHolds(ReadCopy copy, int partition, String tenant, long endExclusive, Duration timeout) throws InterruptedException {
        return awaitAnyHolds(List.of(copy), partition, tenant, endExclusive, timeout) != null;
    }

    /**
     * Waits until one of {@code candidates} holds every record of {@code tenant} below {@code endExclusive} on
     * {@code partition}, and returns the first in their order that does (the first as soon as any does, not one
     * chosen before: a copy ahead on the partition can be behind on the tenant, its heavy lane or a thaw); null
     * when {@code timeout} passed first.
     */
    public ReadCopy awaitAnyHolds(List<ReadCopy> candidates, int partition, String tenant, long endExclusive, Duration timeout)
            throws InterruptedException {
        if (endExclusive <= 0) return candidates.getFirst(); // an empty partition: every copy holds all of it
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (ReadCopy c : candidates) {
                if (next(c.name(), partition) >= endExclusive && holdsNow(c, partition, tenant, endExclusive)) return c;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            awaitMove(left);
        }
    }

    /**
     * Waits until {@code copy} has taken every record of {@code partition} below {@code endExclusive} (applied it, or
     * handed it to its heavy lane or a thaw: {@link #next}); false when {@code timeout} passed first.
     */
    public boolean awaitPassed(String copy, int partition, long endExclusive, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (next(copy, partition) < endExclusive) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            awaitUnhurried(left);
        }
        return true;
    }

    /** Asks for the positions to be read every millisecond meanwhile, and waits until they were read again (at most 5 ms, or {@code left}). */
    private void awaitMove(long leftNanos) throws InterruptedException {
        lock.lock();
        try {
            waiters++;
            wanted.signal();
            moved.await(Math.min(leftNanos, TimeUnit.MILLISECONDS.toNanos(5)), TimeUnit.NANOSECONDS);
        } finally {
            waiters--;
            lock.unlock();
        }
    }

    /**
     * As {@link #awaitMove}, for a waiter no client's answer waits on (a fleet run's pacing): the positions are read every
     * {@link #UNHURRIED_EVERY_MS} ms meanwhile. Read every millisecond, they cost the edge 161 ms of CPU in a run's first
     * 3.5 s (a slice of 250 records takes the applier far longer than that to take).
     */
    private void awaitUnhurried(long leftNanos) throws InterruptedException {
        lock.lock();
        try {
            unhurriedWaiters++;
            wanted.signal();
            moved.await(Math.min(leftNanos, TimeUnit.MILLISECONDS.toNanos(UNHURRIED_EVERY_MS * 2)), TimeUnit.NANOSECONDS);
        } finally {
            unhurriedWaiters--;
            lock.unlock();
        }
    }

    /** How often the positions are read while only {@link #awaitUnhurried} waits. */
    static final long UNHURRIED_EVERY_MS = 10;

    /**
     * Waits until Kafka has answered a look at the log's ends that began after {@code sinceMs}, asking for one at once;
     * false when {@code timeout} passed first (Kafka unreachable or slow). After, not at: a look stamped with the same
     * millisecond may have begun before what happened in it (a fresh-clone run's test saw a look of that millisecond
     * miss a write acknowledged before its read arrived).
     */
    public boolean awaitLookSince(long sinceMs, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (lastAnsweredMs <= sinceMs) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                lookWanted = true;
                waiters++;
                try {
                    wanted.signal();
                    moved.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(5)), TimeUnit.NANOSECONDS);
                } finally {
                    waiters--;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * True when {@code copy} has applied the record that began the tenant's current life, its {@code CreateTenant} at
     * {@code createdOffset} (negative: unknown, true). Until it has, the copy's file of the tenant, if any, is of a
     * life deleted before (whose data was erased) or of none; a copy that has, holds this life for good (a later
     * life has a later offset), so the answer is remembered and the positions file read once per copy and life.
     */
    public boolean holdsLife(ReadCopy copy, int partition, String tenant, long createdOffset) {
        if (createdOffset < 0) return true;
        String key = copy.name() + '/' + tenant;
        Long known = lives.getIfPresent(key);
        if (known != null && known == createdOffset) return true;
        if (next(copy.name(), partition) <= createdOffset || !holdsNow(copy, partition, tenant, createdOffset + 1)) return false;
        lives.put(key, createdOffset);
        return true;
    }

    /** True when {@code copy} holds every record of {@code tenant} below {@code endExclusive}, by its file of positions now. */
    public boolean holdsNow(ReadCopy copy, int partition, String tenant, long endExclusive) {
        try {
            return copy.positions().holds(partition, tenant, endExclusive);
        } catch (java.sql.SQLException e) {
            log.warn("cannot read copy {}'s positions: {}", copy.name(), e.toString());
            return false;
        }
    }

    /** How many records of {@code partition} {@code copy} has yet to apply, by the last look. */
    public long lagRecords(String copy, int partition) {
        lock.lock();
        try {
            ArrayDeque<Seen> seen = history.get(partition);
            if (seen == null || seen.isEmpty()) return 0;
            return Math.max(0, seen.peekLast().end() - Math.max(0, next(copy, partition)));
        } finally {
            lock.unlock();
        }
    }

    /**
     * How long ago (ms) the log of {@code partition} ended where {@code copy} stands: 0 when it has everything
     * the tracker saw; {@link Long#MAX_VALUE} before the tracker learnt the log's ends (Kafka unreachable since start).
     */
    public long lagMillis(String copy, int partition, long nowMs) {
        return lag(copy, partition, nowMs, false);
    }

    /**
     * The most {@code copy} can lag on {@code partition} at {@code nowMs}, by what the tracker knows: like {@link
     * #lagMillis}, but a copy holding the newest end seen holds only what the log held when that look began, and the
     * log may have grown since (a write acknowledged in the 100 ms between looks). For {@code max_lag_ms} reads.
     */
    public long lagBoundMillis(String copy, int partition, long nowMs) {
        return lag(copy, partition, nowMs, true);
    }

    private long lag(String copy, int partition, long nowMs, boolean bound) {
        long next = Math.max(0, next(copy, partition)); // nothing published: offset 0, which holds an empty partition
        lock.lock();
        try {
            if (lastEndsMs < 0 || history.isEmpty()) return Long.MAX_VALUE;
            ArrayDeque<Seen> seen = history.get(partition);
            if (seen == null || seen.isEmpty()) return bound ? Math.max(0, nowMs - lastAnsweredMs) : 0;
            if (next >= seen.peekLast().end()) return bound ? Math.max(0, nowMs - seen.peekLast().lastMs()) : 0;
            for (var it = seen.descendingIterator(); it.hasNext(); ) {
                Seen s = it.next();
                if (s.end() <= next) return Math.max(0, nowMs - s.lastMs());
            }
            return Math.max(0, nowMs - seen.peekFirst().firstMs()); // older than the history: at least that
        } finally {
            lock.unlock();
        }
    }

    /** The most records {@code copy} lags by over all partitions. */
    public long lagRecords(String copy) {
        long most = 0;
        for (int p : partitions()) most = Math.max(most, lagRecords(copy, p));
        return most;
    }

    /** The longest {@code copy} lags by over all partitions (ms). */
    public long lagMillis(String copy, long nowMs) {
        if (partitions().isEmpty()) return Long.MAX_VALUE;
        long most = 0;
        for (int p : partitions()) most = Math.max(most, lagMillis(copy, p, nowMs));
        return most;
    }

    /**
     * For {@code /health}: per copy, its lag in records and ms (-1 while the log's ends are unknown) and the tenants
     * waiting behind it ({@link #waitingTenants}), as of the
     * last look at the log's ends (computed then, so a health check costs nothing).
     */
    public Map<String, Object> details() {
        return details;
    }

    private Map<String, Object> computeDetails() {
        long now = System.currentTimeMillis();
        Map<String, Object> out = new LinkedHashMap<>();
        for (ReadCopy c : copies) {
            long ms = lagMillis(c.name(), now);
            out.put(c.name(), Map.of("lag_records", lagRecords(c.name()), "lag_ms", ms == Long.MAX_VALUE ? -1 : ms,
                    "tenants_waiting", waitingTenants(c)));
        }
        return out;
    }

    /**
     * Tenants whose records wait behind the copy's position (its heavy lane, a thaw): the lag figures, which are the
     * partitions', do not count them; -1 when the copy's positions cannot be read.
     */
    private static long waitingTenants(ReadCopy copy) {
        try {
            return copy.positions().waitingTenants();
        } catch (java.sql.SQLException e) {
            log.warn("cannot read copy {}'s positions: {}", copy.name(), e.toString());
            return -1;
        }
    }

    private List<Integer> partitions() {
        lock.lock();
        try {
            return List.copyOf(history.keySet());
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (!closed) {
            lock.lock();
            try {
                if (waiters == 0 && unhurriedWaiters == 0) {
                    long left = refresh.toMillis() - (System.currentTimeMillis() - lastEndsMs);
                    if (left > 0) wanted.await(left, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            tick(lookWanted || System.currentTimeMillis() - lastEndsMs >= refresh.toMillis());
            if (waiters > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            } else if (unhurriedWaiters > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(UNHURRIED_EVERY_MS));
            }
        }
    }

    /** Reads every copy's positions (and the log's ends when {@code ends}), then wakes the waiting reads. */
    private void tick(boolean ends) {
        Map<Integer, Long> logEnds = null;
        long asked = System.currentTimeMillis();
        if (ends) {
            lookWanted = false; // a read asking from now on wants a look that begins after this one
            try {
                logEnds = source.ends();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.debug("cannot read the log's ends: {}", e.toString());
            }
        }
        for (ReadCopy c : copies) {
            try {
                positions.put(c.name(), c.positions().nextOffsets());
            } catch (java.sql.SQLException | RuntimeException e) {
                log.debug("cannot read copy {}'s positions: {}", c.name(), e.toString());
            }
        }
        long now = System.currentTimeMillis();
        lock.lock();
        try {
            if (logEnds != null) {
                logEnds.forEach((p, end) -> note(p, end, asked));
                lastAnsweredMs = asked;
            }
            if (ends) lastEndsMs = now;
            moved.signalAll();
        } finally {
            lock.unlock();
        }
        if (ends) details = computeDetails();
    }

    private void note(int partition, long end, long now) {
        ArrayDeque<Seen> seen = history.computeIfAbsent(partition, p -> new ArrayDeque<>());
        Seen last = seen.peekLast();
        if (last != null && last.end() >= end) {
            seen.pollLast();
            seen.addLast(new Seen(last.firstMs(), now, last.end()));
            return;
        }
        seen.addLast(new Seen(now, now, end));
        if (seen.size() > HISTORY) seen.pollFirst();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        for (ReadCopy c : copies) {
            try {
                c.positions().close();
            } catch (java.sql.SQLException e) {
                // read-only: nothing to lose
            }
        }
    }
}
