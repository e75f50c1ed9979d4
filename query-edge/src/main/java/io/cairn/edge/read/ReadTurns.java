package io.cairn.edge.read;

import io.cairn.edge.VirtualThreadCarriers;
import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

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
 */
public final class ReadTurns {
    /** How long a request waits for its tenant's turn before it is refused (429 too_many_requests). */
    static final Duration TURN_WAIT = Duration.ofSeconds(10);

    /** The one instance of the process. */
    public static final ReadTurns SHARED = new ReadTurns(Math.max(1, VirtualThreadCarriers.count() / 2), TURN_WAIT);

    /** True while this thread runs work with a turn of this instance: more work it calls for runs in that turn. */
    private final ThreadLocal<Boolean> holding = ThreadLocal.withInitial(() -> false);

    private final int perTenant;
    private final Duration turnWait;
    private final Map<String, Turns> turns = new ConcurrentHashMap<>();

    /** A piece of SQLite work; {@code E} is the one checked exception it may throw. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /** A tenant's permits, kept while anyone holds or waits for one. */
    private static final class Turns {
        final Semaphore permits;
        int users; // guarded by the map's compute

        Turns(int permits) {
            this.permits = new Semaphore(permits);
        }
    }

    /** {@code perTenant} pieces of work of one tenant at once; one waits {@code turnWait} at most for its turn. */
    public ReadTurns(int perTenant, Duration turnWait) {
        this.perTenant = perTenant;
        this.turnWait = turnWait;
    }

    /**
     * Runs {@code work} for {@code tenant} once the tenant has a free turn, on this thread, and returns
     * its result (what it throws comes out unchanged). Work called from inside work runs in the turn it
     * is in: taking a second turn could wait for the first.
     */
    public <T, E extends Exception> T call(String tenant, Work<T, E> work) throws E, InterruptedException {
        if (holding.get()) return work.run();
        Turns mine = turns.compute(tenant, (t, v) -> {
            Turns x = v == null ? new Turns(perTenant) : v;
            x.users++;
            return x;
        });
        boolean turn = false;
        try {
            turn = mine.permits.tryAcquire(turnWait.toNanos(), TimeUnit.NANOSECONDS);
            if (!turn) {
                throw new ApiError(ErrorCode.TOO_MANY_REQUESTS, "this tenant already runs " + perTenant
                        + " such requests at once and more are waiting: retry once some are done");
            }
            holding.set(true);
            return work.run();
        } finally {
            if (turn) {
                holding.set(false);
                mine.permits.release();
            }
            turns.compute(tenant, (t, v) -> --v.users == 0 ? null : v);
        }
    }

    /** Tenants holding or waiting for a turn (for tests). */
    int tenantsBusy() {
        return turns.size();
    }
}
