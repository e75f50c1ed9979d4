package io.cairn.connectors.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of one cache: {@code cairn.query.cache.gets{result=hit|miss}},
 * {@code cairn.query.cache.puts{result=stored|too_large|failed}} and
 * {@code cairn.query.cache.errors{op=get|put, cause=timeout|unavailable}}, all tagged {@code cache}.
 * Errors are what an operator alerts on: a miss caused by Redis is counted both as a miss and an error.
 */
public final class QueryCacheMetrics {
    private static final String GETS = "query cache lookups, by result";
    private static final String PUTS = "answers offered to the query cache, by result";
    private final Counter hits;
    private final Counter misses;
    private final Counter stored;
    private final Counter tooLarge;
    private final Counter putFailed;
    private final MeterRegistry registry;
    private final String cache;

    public QueryCacheMetrics(MeterRegistry registry, String cache) {
        this.registry = registry;
        this.cache = cache;
        hits = Counter.builder("cairn.query.cache.gets").description(GETS).tag("cache", cache).tag("result", "hit").register(registry);
        misses = Counter.builder("cairn.query.cache.gets").description(GETS).tag("cache", cache).tag("result", "miss").register(registry);
        stored = Counter.builder("cairn.query.cache.puts").description(PUTS).tag("cache", cache).tag("result", "stored").register(registry);
        tooLarge = Counter.builder("cairn.query.cache.puts").description(PUTS).tag("cache", cache).tag("result", "too_large").register(registry);
        putFailed = Counter.builder("cairn.query.cache.puts").description(PUTS).tag("cache", cache).tag("result", "failed").register(registry);
        // Every error series exists from the start, at 0: one that appeared at its first error would start at 1,
        // and an alert on increase() would never see that error.
        for (String op : new String[] {"get", "put"}) {
            for (String cause : new String[] {"timeout", "unavailable"}) {
                Counter.builder("cairn.query.cache.errors").description("query cache calls that failed, by operation and cause (the read went to the file)").tag("cache", cache).tag("op", op).tag("cause", cause).register(registry);
            }
        }
    }

    public void hit() {
        hits.increment();
    }

    public void miss() {
        misses.increment();
    }

    public void stored() {
        stored.increment();
    }

    public void tooLarge() {
        tooLarge.increment();
    }

    public void putFailed() {
        putFailed.increment();
    }

    public void error(String op, String cause) {
        Counter.builder("cairn.query.cache.errors").description("query cache calls that failed, by operation and cause (the read went to the file)").tag("cache", cache).tag("op", op).tag("cause", cause)
                .register(registry).increment();
    }
}
