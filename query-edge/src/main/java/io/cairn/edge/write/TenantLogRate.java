package io.cairn.edge.write;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How many bytes of writes each tenant may put in the log through this edge: {@code bytesPerSecond} on average, in
 * bursts of up to {@code burstBytes} (a token bucket). Past that a write is refused 429 {@code too_many_requests},
 * nothing written. The log is every tenant's: a tenant sending 740 KiB writes from 8 connections put 38.6 MB a second
 * into it (139 GB an hour, kept for good, every write failing), and other tenants' writes on the broker waited 2 s
 * (outside probe). Content made by SQL ({@code randomblob}, {@code INSERT ... SELECT}) costs the log only its text;
 * a whole database comes in by import, through the snapshot store. Thread-safe.
 */
public final class TenantLogRate {
    /** The default average: 4 MiB a second per tenant, per edge. */
    public static final long DEFAULT_BYTES_PER_SECOND = 4L << 20;
    /** The default burst: 64 MiB at once (64 of the largest requests). */
    public static final long DEFAULT_BURST_BYTES = 64L << 20;

    private final long bytesPerSecond;
    private final long burstBytes;
    private final LongSupplier nanos;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double bytes;
        long atNanos;

        Bucket(double bytes, long atNanos) {
            this.bytes = bytes;
            this.atNanos = atNanos;
        }
    }

    public TenantLogRate(long bytesPerSecond, long burstBytes) {
        this(bytesPerSecond, burstBytes, System::nanoTime);
    }

    TenantLogRate(long bytesPerSecond, long burstBytes, LongSupplier nanos) {
        if (bytesPerSecond <= 0 || burstBytes <= 0) throw new IllegalArgumentException("the rate and the burst must be positive");
        this.bytesPerSecond = bytesPerSecond;
        this.burstBytes = burstBytes;
        this.nanos = nanos;
    }

    /**
     * Takes {@code bytes} of {@code tenant}'s share whatever is left, down to a debt of one burst: what its writes put
     * in the log besides their requests, their outcomes (a write of 95 bytes returning 1 MB put 17 MB a second on
     * {@code cairn.tenant-results}, kept 6 hours, and other tenants' writes waited 30 s: outside probe). Its next
     * writes wait until the share is back.
     */
    public void charge(String tenant, long bytes) {
        long now = nanos.getAsLong();
        buckets.compute(tenant, (t, b) -> {
            Bucket bucket = refilled(b, now);
            bucket.bytes = Math.min(burstBytes, Math.max(-burstBytes, bucket.bytes - bytes));
            return bucket;
        });
    }

    /**
     * The most a write's outcome may take of the log (the applier returns at most 1 MiB of rows a write), charged when
     * a write that may return rows is admitted without anyone waiting for it ({@code wait=false}), and settled against
     * the outcome's real size when it comes: charged only as outcomes came, 1 MB outcomes of such writes ran to 1.7-3
     * times the share (outside probe). A write waited for is charged as its outcome comes: its client holds it meanwhile.
     */
    public static final long OUTCOME_ALLOWANCE = 1L << 20;

    /** Allowances charged for outcomes not come yet, by command id; forgotten after 10 minutes (an outcome never read here). */
    private final com.github.benmanes.caffeine.cache.Cache<String, Long> allowances = com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .expireAfterWrite(java.time.Duration.ofMinutes(10)).maximumSize(1_000_000).build();

    /** As {@link #admit}, with {@link #OUTCOME_ALLOWANCE} more for the outcome of {@code commandId}, settled by {@link #settle}. */
    public void admitWithOutcome(String tenant, long bytes, String commandId) {
        admit(tenant, bytes + OUTCOME_ALLOWANCE);
        allowances.put(commandId, OUTCOME_ALLOWANCE);
    }

    /** The outcome of {@code commandId} took {@code bytes} of the log: charged, less what was charged for it at admission. */
    public void settle(String tenant, String commandId, long bytes) {
        Long allowed = allowances.asMap().remove(commandId);
        charge(tenant, bytes - (allowed == null ? 0 : allowed));
    }

    /** {@code b} (null: a new, full bucket) with what came back into it up to {@code now}. */
    private Bucket refilled(Bucket b, long now) {
        Bucket bucket = b == null ? new Bucket(burstBytes, now) : b;
        bucket.bytes = Math.min(burstBytes, bucket.bytes + (now - bucket.atNanos) / 1e9 * bytesPerSecond);
        bucket.atNanos = now;
        return bucket;
    }

    /**
     * Takes {@code bytes} of {@code tenant}'s share if it has that many now (a request larger than the burst waits for a
     * full bucket, never for good). Returns 0 when taken, else how many milliseconds until it would be, taking nothing.
     */
    public long tryAdmit(String tenant, long bytes) {
        long now = nanos.getAsLong();
        double[] lacking = {0};
        buckets.compute(tenant, (t, b) -> {
            Bucket bucket = refilled(b, now);
            double needed = Math.min(bytes, burstBytes);
            if (bucket.bytes >= needed) bucket.bytes -= needed;
            else lacking[0] = needed - bucket.bytes;
            return bucket;
        });
        return lacking[0] > 0 ? Math.max(1, (long) Math.ceil(lacking[0] / bytesPerSecond * 1000)) : 0;
    }

    /** This share's average, in bytes a second. */
    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** This share's burst, in bytes. */
    public long burstBytes() {
        return burstBytes;
    }

    /** Takes {@code bytes} of {@code tenant}'s share; throws 429 {@code too_many_requests} when its share has not that many now. */
    public void admit(String tenant, long bytes) {
        long waitMs = tryAdmit(tenant, bytes);
        if (waitMs > 0) {
            throw new ApiError(ErrorCode.TOO_MANY_REQUESTS, "this tenant's writes and their outcomes reached its share of the log at this edge ("
                    + (bytesPerSecond >> 10) + " KiB a second, in bursts of up to " + (burstBytes >> 20) + " MiB): nothing was written;"
                    + " retry in " + waitMs + " ms, or send less (whole databases come in by import: docs/restore.md)", null,
                    Map.of("retry_after_ms", waitMs));
        }
    }
}
