package io.cairn.connectors.cache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class LocalQueryCacheTest extends QueryCacheContract {
    @Override
    protected QueryCache newCache(SimpleMeterRegistry registry) {
        return new LocalQueryCache(MAX_VALUE_BYTES, BUDGET_BYTES, registry);
    }
}
