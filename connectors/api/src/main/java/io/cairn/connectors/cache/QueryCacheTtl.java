package io.cairn.connectors.cache;

import java.time.Duration;

public final class QueryCacheTtl {
    private QueryCacheTtl() {}

    /** Redis expiry has millisecond resolution; anything shorter would mean "never stored". */
    public static Duration require(Duration ttl) {
        if (ttl == null || ttl.toMillis() < 1) throw new IllegalArgumentException("ttl must be at least 1 ms");
        return ttl;
    }
}
