package io.cairn.edge.http;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many bytes of request bodies the edge holds at once: each tenant's requests at most
 * {@code perTenant}, and the bodies larger than {@link #SMALL} of all tenants together at most
 * {@code large}. A body is held from before it is read until its request no longer needs it; a write lets
 * go once it is in the log, so a write waiting for its outcome holds none.
 *
 * <p>Without it, one tenant sending 1 MiB writes that wait behind slow ones, from 800 connections, had
 * the edge hold 5 GB, and its records filled the producer's buffer, which every tenant's writes pass
 * through in the order they come: another tenant's single write waited 13 s, and others were refused
 * 503 after the producer's 10 s. Now a tenant past its share is refused 429 {@code too_many_requests}
 * before more of its body is read, and the others' writes wait behind at most that share of each tenant
 * sending. The total only stops a flood from many tenants at once from exhausting the heap; it never
 * refuses a small body (the connection limit bounds those). Thread-safe.
 */
final class BodyBudget {
    /** Bodies up to this size are not counted in the total of large bodies. */
    static final long SMALL = 64 * 1024;

    private final long perTenant;
    private final long large;
    private final String what;
    private final Map<String, Long> held = new ConcurrentHashMap<>(); // changed only in compute: atomic per tenant
    private final AtomicLong largeHeld = new AtomicLong();

    /** Holds at most {@code perTenant} bytes of one tenant's bodies and {@code large} bytes of large bodies in all. */
    BodyBudget(long perTenant, long large) {
        this(perTenant, large, "request bodies");
    }

    /** As above; {@code what} the bytes are, as refusals name them ("request bodies", "answers"). */
    BodyBudget(long perTenant, long large, String what) {
        if (perTenant < 1 || large < 1) throw new IllegalArgumentException("body budgets must be positive");
        this.perTenant = perTenant;
        this.large = large;
        this.what = what;
    }

    /**
     * An empty hold on {@code tenant}'s share (null: a route of no tenant, counted only in the large total),
     * grown as its body is read; release it when the request is done with the body.
     */
    Hold open(String tenant) {
        return new Hold(tenant);
    }

    /** Bytes {@code tenant}'s requests hold now (for tests). */
    long held(String tenant) {
        return held.getOrDefault(tenant, 0L);
    }

    /** Bytes of large bodies held now (for tests). */
    long largeHeld() {
        return largeHeld.get();
    }

    /** One request's bytes. One request's thread grows it; {@link #release} may be called more than once. */
    final class Hold implements AutoCloseable {
        private final String tenant;
        private long bytes;
        private final AtomicBoolean released = new AtomicBoolean();

        private Hold(String tenant) {
            this.tenant = tenant;
        }

        /** Adds {@code more} bytes; throws 429 when the tenant's share would be passed, 503 when the large total would be. */
        void grow(long more) {
            if (more <= 0 || released.get()) return;
            boolean[] taken = {tenant == null};
            if (tenant != null) held.compute(tenant, (t, count) -> {
                long now = count == null ? 0 : count;
                if (now + more > perTenant) return count;
                taken[0] = true;
                return now + more;
            });
            if (!taken[0]) {
                throw new ApiError(ErrorCode.TOO_MANY_REQUESTS, "this tenant's requests at this edge already hold "
                        + mib(perTenant) + " MiB of " + what + ", its share; send more once some are done");
            }
            long after = bytes + more;
            long largeMore = after <= SMALL ? 0 : bytes <= SMALL ? after : more; // a body turning large counts whole
            if (largeMore > 0 && !take(largeHeld, largeMore, large)) {
                forget(more);
                throw new ApiError(ErrorCode.UNAVAILABLE, "the edge holds as many large " + what + " as it may ("
                        + mib(large) + " MiB, all tenants together); retry shortly");
            }
            bytes = after;
        }

        /** Gives the bytes back; later calls do nothing. */
        void release() {
            if (!released.compareAndSet(false, true)) return;
            forget(bytes);
            if (bytes > SMALL) largeHeld.addAndGet(-bytes);
        }

        /** Takes {@code n} bytes off the tenant's count, and the count away when it is 0. */
        private void forget(long n) {
            if (tenant != null) held.computeIfPresent(tenant, (t, count) -> count - n <= 0 ? null : count - n);
        }

        @Override
        public void close() {
            release();
        }
    }

    /** Adds {@code n} to {@code counter} unless that passes {@code limit}. */
    private static boolean take(AtomicLong counter, long n, long limit) {
        for (;;) {
            long now = counter.get();
            if (now + n > limit) return false;
            if (counter.compareAndSet(now, now + n)) return true;
        }
    }

    private static long mib(long bytes) {
        return Math.max(1, bytes >> 20);
    }
}
