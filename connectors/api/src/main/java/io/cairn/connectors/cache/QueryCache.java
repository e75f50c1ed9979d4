package io.cairn.connectors.cache;

import java.time.Duration;
import java.util.Optional;

/**
 * Cached query results, keyed by {@link QueryCacheKey}: tenant, the applied position the result was
 * read at, and a digest of the exact statement and parameters. A write moves the tenant's position,
 * so later reads use new keys and nothing stale can be served; old entries simply age out.
 *
 * <p><b>Best effort, never in the way.</b> A cache failure (server down, slow, full, evicting) is a
 * miss on {@code get} and {@code false} on {@code put}, counted in Micrometer, and never an exception:
 * the caller then runs the query. Only programming errors (null key, non-positive TTL) throw.
 *
 * <p><b>Threading.</b> Implementations are thread-safe and non-blocking beyond their configured
 * command timeout (a few milliseconds for Redis).
 *
 * <p><b>Values.</b> Opaque bytes (the serialized result). The cache keeps its own copy on put and
 * hands out a copy on get, so callers may reuse their arrays. Values longer than the configured
 * maximum are not stored. The total size is bounded by a byte budget; beyond it entries are evicted
 * (least recently/frequently used first), so a put that returned true may still be a miss later.
 *
 * <p><b>Idempotency.</b> A put for an existing key replaces the value and its TTL; since a key names
 * one statement at one position, both values are the same result.
 */
public interface QueryCache extends AutoCloseable {

    /** The cached value, or empty on miss, expiry or any cache failure. */
    Optional<byte[]> get(QueryCacheKey key);

    /**
     * Stores {@code value} for {@code ttl} (positive). Returns true if the cache accepted it, false if
     * it was too large or the cache is unavailable.
     */
    boolean put(QueryCacheKey key, byte[] value, Duration ttl);

    /** Releases connections and threads; later calls are misses. */
    @Override
    void close();
}
