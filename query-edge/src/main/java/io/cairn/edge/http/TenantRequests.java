package io.cairn.edge.http;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests of each tenant this edge is answering at once: at most {@code max}, past it 429 {@code too_many_requests}
 * at once. Each holds a connection, and the edge's connections are every tenant's: one tenant's 4,200 reads, each waiting
 * 30 s on a bookmark of its own backlog, held them all, and other tenants' new connections (and {@code /health}) hung
 * (outside probe). Thread-safe.
 */
final class TenantRequests {
    /** The default: an eighth of the edge's 4,096 connections. */
    static final int DEFAULT_MAX = 512;

    private final int max;
    private final Map<String, Integer> running = new ConcurrentHashMap<>();

    TenantRequests(int max) {
        this.max = max;
    }

    /** Counts a request of {@code tenant}; 429 when it has {@code max} already. Every call that returns is followed by {@link #leave}. */
    void enter(String tenant) {
        boolean[] refused = {false};
        running.compute(tenant, (t, n) -> {
            int now = n == null ? 0 : n;
            if (now >= max) {
                refused[0] = true;
                return n;
            }
            return now + 1;
        });
        if (refused[0]) {
            throw new ApiError(ErrorCode.TOO_MANY_REQUESTS, "this tenant already has " + max + " requests in progress at this edge"
                    + " (reads waiting on a bookmark, writes waiting for their outcome): retry once some are answered");
        }
    }

    void leave(String tenant) {
        running.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
    }

    /** Requests of {@code tenant} in progress (0 when none). */
    int running(String tenant) {
        return running.getOrDefault(tenant, 0);
    }
}
