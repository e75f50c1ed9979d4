package io.cairn.edge.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How much of this edge's CPU each tenant's parse checks of {@code wait=false} writes may take: {@link #NANOS_PER_SECOND}
 * a second on average, in bursts of {@link #BURST_NANOS}. Past it a write is not checked here: the applier decides, as
 * for {@code wait=true}. Parsing costs about half a microsecond a byte: eight clients sending 882 KB writes that all
 * failed to parse took the edge's cores, and other tenants' writes waited 33 times as long (outside probe). Thread-safe.
 */
final class ParseChecks {
    /** A tenant's checks may take 50 ms of CPU a second. */
    static final long NANOS_PER_SECOND = 50_000_000L;
    /** At once, half a second: a few large scripts. */
    static final long BURST_NANOS = 500_000_000L;

    private final Map<String, double[]> buckets = new ConcurrentHashMap<>(); // {nanos left, at}

    /** Whether {@code tenant} may have a write checked now. */
    boolean mayCheck(String tenant, long now) {
        return refill(tenant, now, 0) > 0;
    }

    /** A check of {@code tenant}'s took {@code nanos}, ending at {@code now} (nanoTime). */
    void took(String tenant, long nanos, long now) {
        refill(tenant, now, nanos);
    }

    private double refill(String tenant, long now, long spent) {
        double[] b = buckets.compute(tenant, (t, old) -> {
            double[] bucket = old == null ? new double[] {BURST_NANOS, now} : old;
            bucket[0] = Math.min(BURST_NANOS, bucket[0] + (now - (long) bucket[1]) / 1e9 * NANOS_PER_SECOND) - spent;
            bucket[1] = now;
            return bucket;
        });
        return b[0];
    }
}
