package io.cairn.edge.read;

import io.cairn.edge.VirtualThreadCarriers;
import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.HashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How much SQLite work of one tenant's requests may run at once: half the carriers of the virtual
 * threads (see {@link VirtualThreadCarriers}), at least one.
 *
 * <p>Requests run on virtual threads, and one running SQLite (native code) pins its carrier for as long as
 * the statement runs, up to the read limit of 5 s. Without a bound, a tenant sending many long reads at
 * once pinned every carrier and every other request of every tenant waited (on a 2-core machine reads
 * took 9 s, writes 35 s). Here a tenant's work beyond its share waits for a turn, parked (which pins
 * nothing), and is refused with 429 {@code too_many_requests} after {@link #TURN_WAIT}; the other
 * carriers stay for everyone else, and the operating system shares the cores among what runs. The
 * work runs on the caller's thread: no hand-off. Process-wide, like the carriers; thread-safe.
 *
 * <p>Half each was still all of them for two tenants: two tenants' runaway reads held every carrier, and the
 * other tenants' requests waited seconds. So the process's turns are counted too ({@code capacity}, the
 * carriers): a tenant that holds none may take one while any is free, but one that holds some may take
 * another only while a quarter of the carriers ({@code reserve}) stay free for tenants that hold none.
 */
public final class ReadTurns {
    /** How long a request waits for its tenant's turn before it is refused (429 too_many_requests). */
    static final Duration TURN_WAIT = Duration.ofSeconds(10);

    /** The one instance of the process. */
    public static final ReadTurns SHARED = new ReadTurns(Math.max(1, VirtualThreadCarriers.count() / 2), TURN_WAIT,
            VirtualThreadCarriers.count(), VirtualThreadCarriers.count() / 4);

    /** True while this thread runs work with a turn of this instance: more work it calls for runs in that turn. */
    private final ThreadLocal<Boolean> holding = ThreadLocal.withInitial(() -> false);

    private final int perTenant;
    private final Duration turnWait;
    private final int capacity;
    private final int reserve;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    /** Per tenant holding or waiting for a turn: the turns it holds. Guarded by {@link #lock}. */
    private final Map<String, Turns> turns = new HashMap<>();
    /** Turns held, all tenants. Guarded by {@link #lock}. */
    private int held;

    /** A piece of SQLite work; {@code E} is the one checked exception it may throw. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /** A tenant's turns, kept while anyone holds or waits for one. */
    private static final class Turns {
        int holding;
        int users;
    }

    /** {@code perTenant} pieces of work of one tenant at once, no limit on all of them; one waits {@code turnWait} at most. */
    public ReadTurns(int perTenant, Duration turnWait) {
        this(perTenant, turnWait, Integer.MAX_VALUE, 0);
    }

    /**
     * {@code perTenant} pieces of work of one tenant at once and {@code capacity} of all tenants, of which a tenant already
     * holding a turn may not take the last {@code reserve}; one waits {@code turnWait} at most for its turn.
     */
    public ReadTurns(int perTenant, Duration turnWait, int capacity, int reserve) {
        if (perTenant < 1 || capacity < 1 || reserve < 0 || reserve >= capacity) throw new IllegalArgumentException("bad turn counts");
        this.perTenant = perTenant;
        this.turnWait = turnWait;
        this.capacity = capacity;
        this.reserve = reserve;
    }

    /**
     * Runs {@code work} for {@code tenant} once the tenant has a free turn, on this thread, and returns
     * its result (what it throws comes out unchanged). Work called from inside work runs in the turn it
     * is in: taking a second turn could wait for the first.
     */
    public <T, E extends Exception> T call(String tenant, Work<T, E> work) throws E, InterruptedException {
        if (holding.get()) return work.run();
        take(tenant);
        try {
            holding.set(true);
            return work.run();
        } finally {
            holding.set(false);
            give(tenant);
        }
    }

    /**
     * Takes a turn of {@code tenant} as {@link #call} does, for work that outlives this thread's wait for it (a build
     * another thread runs): returns what gives the turn back, to run exactly once when the work ends.
     */
    public Runnable taken(String tenant) throws InterruptedException {
        take(tenant);
        java.util.concurrent.atomic.AtomicBoolean given = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (given.compareAndSet(false, true)) give(tenant);
        };
    }

    private void take(String tenant) throws InterruptedException {
        lock.lock();
        try {
            Turns mine = turns.computeIfAbsent(tenant, t -> new Turns());
            mine.users++;
            long left = turnWait.toNanos();
            boolean taken = false;
            try {
                while (!mayTake(mine)) {
                    if (left <= 0) {
                        throw new ApiError(ErrorCode.TOO_MANY_REQUESTS, "this tenant already runs " + mine.holding
                                + " such requests at once and more are waiting: retry once some are done");
                    }
                    left = released.awaitNanos(left);
                }
                mine.holding++;
                held++;
                taken = true;
            } finally {
                if (!taken && --mine.users == 0) turns.remove(tenant);
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean mayTake(Turns mine) {
        if (mine.holding >= perTenant) return false;
        return mine.holding == 0 ? held < capacity : held < capacity - reserve;
    }

    private void give(String tenant) {
        lock.lock();
        try {
            Turns mine = turns.get(tenant);
            mine.holding--;
            held--;
            if (--mine.users == 0) turns.remove(tenant);
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Tenants holding or waiting for a turn (for tests). */
    int tenantsBusy() {
        lock.lock();
        try {
            return turns.size();
        } finally {
            lock.unlock();
        }
    }
}
