package io.cairn.edge.write;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each tenant's writes this edge put in the log and has not yet seen the outcome of. A tenant may have
 * at most {@code max} of them: past that its next command is refused ({@link BacklogFullException},
 * 429 {@code too_many_requests}), so a tenant can queue work for the applier only as fast as it gets
 * done, whatever it sends and however (with {@code wait=false} too). Entries older than
 * {@code forgetAfter} are dropped, so an outcome this edge missed cannot block a tenant for good.
 * Thread-safe.
 */
public final class TenantBacklog {
    private final int max;
    private final long forgetAfterNanos;
    private final Map<String, Map<String, Long>> pending = new ConcurrentHashMap<>();

    public TenantBacklog(int max, Duration forgetAfter) {
        if (max < 1) throw new IllegalArgumentException("max must be positive");
        this.max = max;
        this.forgetAfterNanos = forgetAfter.toNanos();
    }

    /** Counts {@code commandId} against {@code tenant}; throws {@link BacklogFullException} when the tenant has too many. */
    public void admit(String tenant, String commandId) {
        Map<String, Long> mine = pending.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>());
        if (mine.size() >= max) {
            long now = System.nanoTime();
            mine.values().removeIf(at -> now - at > forgetAfterNanos);
            if (mine.size() >= max) throw new BacklogFullException(max);
        }
        mine.put(commandId, System.nanoTime());
    }

    /** The command's outcome arrived, or it never reached the log. */
    public void done(String tenant, String commandId) {
        Map<String, Long> mine = pending.get(tenant);
        if (mine == null) return;
        mine.remove(commandId);
        if (mine.isEmpty()) pending.remove(tenant, mine);
    }

    /** Commands of {@code tenant} this edge is waiting on. */
    public int size(String tenant) {
        Map<String, Long> mine = pending.get(tenant);
        return mine == null ? 0 : mine.size();
    }

    /** Too many of one tenant's writes are waiting to be applied. */
    public static final class BacklogFullException extends RuntimeException {
        public BacklogFullException(int max) {
            super("this tenant already has " + max + " writes waiting to be applied; send more once some are done", null, false, false);
        }
    }
}
