package io.cairn.connectors.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link QueryCache} in the JVM's heap (Caffeine): per-entry TTL, a maximum value size and a total byte
 * budget (values plus a fixed per-entry overhead), evicting by Caffeine's W-TinyLFU policy.
 */
public final class LocalQueryCache implements QueryCache {
    /** Rough heap cost of an entry beyond its value: key strings, record, Caffeine node. */
    static final int ENTRY_OVERHEAD_BYTES = 256;

    private final Cache<QueryCacheKey, Entry> cache;
    private final int maxValueBytes;
    private final QueryCacheMetrics metrics;

    /**
     * @param maxValueBytes  largest value stored (e.g. 1 MiB)
     * @param maxTotalBytes  byte budget of all entries (e.g. 256 MiB)
     */
    public LocalQueryCache(int maxValueBytes, long maxTotalBytes, MeterRegistry registry) {
        if (maxValueBytes < 1) throw new IllegalArgumentException("maxValueBytes must be >= 1");
        if (maxTotalBytes < maxValueBytes) throw new IllegalArgumentException("maxTotalBytes must be >= maxValueBytes");
        this.maxValueBytes = maxValueBytes;
        this.metrics = new QueryCacheMetrics(registry, "local");
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxTotalBytes)
                .weigher((QueryCacheKey k, Entry e) -> e.value.length + ENTRY_OVERHEAD_BYTES)
                .expireAfter(new PerEntryTtl())
                // Evict on the caller's thread: the budget holds when put returns, not some time later.
                .executor(Runnable::run)
                .build();
    }

    @Override
    public Optional<byte[]> get(QueryCacheKey key) {
        Entry entry = cache.getIfPresent(key);
        if (entry == null) {
            metrics.miss();
            return Optional.empty();
        }
        metrics.hit();
        return Optional.of(entry.value.clone());
    }

    @Override
    public boolean put(QueryCacheKey key, byte[] value, Duration ttl) {
        QueryCacheTtl.require(ttl);
        if (value.length > maxValueBytes) {
            metrics.tooLarge();
            return false;
        }
        cache.put(key, new Entry(value.clone(), ttl.toNanos()));
        metrics.stored();
        return true;
    }

    @Override
    public void close() {
        cache.invalidateAll();
    }

    private record Entry(byte[] value, long ttlNanos) {}

    private static final class PerEntryTtl implements Expiry<QueryCacheKey, Entry> {
        @Override
        public long expireAfterCreate(QueryCacheKey key, Entry entry, long now) {
            return entry.ttlNanos;
        }

        @Override
        public long expireAfterUpdate(QueryCacheKey key, Entry entry, long now, long remaining) {
            return entry.ttlNanos;
        }

        @Override
        public long expireAfterRead(QueryCacheKey key, Entry entry, long now, long remaining) {
            return remaining;
        }
    }
}
