package io.cairn.edge.read;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cairn.connectors.cache.QueryCache;
import io.cairn.connectors.cache.QueryCacheKey;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.edge.json.StatementSpec;
import io.cairn.topics.AvroSerde;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.StatementResult;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Serves repeated expensive reads from the {@link QueryCache}. Keys carry the tenant's applied
 * position, so a write (which moves the position) makes every older entry unreachable: nothing stale
 * is ever served. Only statements whose last run cost at least {@code minCost} go through the cache: a
 * primary-key lookup in SQLite takes microseconds, less than a cache round trip, so caching it would
 * only slow it down. A statement that calls the clock or a random source (itself or through a view) is
 * never cached: the same position would be answered with the first run's time or values
 * ({@link io.cairn.tenantdb.sql.VolatileCalls}). With encryption, entries are sealed with the tenant's
 * data key ({@link CacheSeal}): erasing a tenant erases its cached results. Thread-safe.
 */
public final class ReadCache {
    /** No caching at all. */
    public static final ReadCache DISABLED = new ReadCache(null, Duration.ZERO, Duration.ofSeconds(1));

    private static final AvroSerde<StatementResult> SERDE = new AvroSerde<>(StatementResult.getClassSchema());

    private final QueryCache cache;
    private final long minCostNanos;
    private final Duration ttl;
    private final CacheSeal seal;
    /** Tenant + SQL texts that were slow once; bounded, so a flood of distinct statements cannot grow it. */
    private final Cache<String, Boolean> slowStatements = Caffeine.newBuilder().maximumSize(10_000).build();

    /**
     * A statement's key in {@link #slowStatements}: past 256 characters, a digest of the tenant and the SQL (44 characters). Keyed
     * by the text, one tenant's 10,000 distinct slow reads of 100 KB (padded with a comment) kept 1 GB of every edge's
     * memory, for good (outside probe).
     */
    private static String statementKey(String tenant, String sql) {
        if (sql.length() <= 256) return tenant + '\n' + sql; // the common case: no digest per read
        java.security.MessageDigest sha = io.cairn.topics.Sha256.digest();
        sha.update(tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(sql.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.Base64.getEncoder().encodeToString(sha.digest());
    }

    /**
     * @param cache where results go (Redis or in-process); null disables caching
     * @param minCost a statement is cached while its last execution took at least this long
     * @param ttl how long an entry lives (entries also become unreachable as soon as the tenant is written)
     */
    public ReadCache(QueryCache cache, Duration minCost, Duration ttl) {
        this(cache, minCost, ttl, CacheSeal.CLEAR);
    }

    private ReadCache(QueryCache cache, Duration minCost, Duration ttl, CacheSeal seal) {
        this.cache = cache;
        this.minCostNanos = minCost.toNanos();
        this.ttl = ttl;
        this.seal = seal;
    }

    /** This cache with each tenant's entries sealed with its newest data key from {@code keys} (null: kept clear). */
    public ReadCache sealedWith(TenantKeys keys) {
        return new ReadCache(cache, Duration.ofNanos(minCostNanos), ttl, new CacheSeal(keys));
    }

    /** The cached result of {@code sql} at exactly {@code position}, if this statement is cached and present. */
    Optional<QueryResult> lookup(String tenant, Bookmark position, String sql, StatementSpec spec) {
        return lookup(listKey(tenant, sql), tenant, position, sql, spec);
    }

    /**
     * The statement's key in the list of slow statements, for {@link #lookup(String, String, Bookmark, String, StatementSpec)}
     * and {@link #offer(String, String, String, StatementSpec, QueryResult, long, Stability)}: worked out once per read (past
     * 256 characters it is a digest of the text). Null when caching is off.
     */
    String listKey(String tenant, String sql) {
        return cache == null ? null : statementKey(tenant, sql);
    }

    /** As {@link #lookup(String, Bookmark, String, StatementSpec)}, with the statement's {@link #listKey}. */
    Optional<QueryResult> lookup(String listKey, String tenant, Bookmark position, String sql, StatementSpec spec) {
        if (cache == null || slowStatements.getIfPresent(listKey) == null) return Optional.empty();
        QueryCacheKey key = key(tenant, position, sql, spec);
        return cache.get(key).flatMap(stored -> seal.open(tenant, key.asString(), stored)).map(bytes -> decode(bytes, position));
    }

    /** Whether a statement that ran once is answered the same every time on the same data; asked only of expensive ones. */
    @FunctionalInterface
    interface Stability {
        /** True when two runs at one position may answer differently (the clock, random values). */
        boolean varies() throws SQLException;
    }

    /**
     * Remembers {@code result} when its statement was expensive and answers the same on the same data; a
     * cache that refuses it is fine, and so is a statement whose stability cannot be told (not cached).
     */
    void offer(String tenant, String sql, StatementSpec spec, QueryResult result, long costNanos, Stability stability) {
        offer(listKey(tenant, sql), tenant, sql, spec, result, costNanos, stability);
    }

    /** As {@link #offer(String, String, StatementSpec, QueryResult, long, Stability)}, with the statement's {@link #listKey}. */
    void offer(String listKey, String tenant, String sql, StatementSpec spec, QueryResult result, long costNanos, Stability stability) {
        if (cache == null) return;
        if (costNanos < minCostNanos) {
            // Cheap now: a statement slow once (its first run, a pause) is looked up no more. A primary-key lookup kept
            // in the cache for one slow start cost more per read than running it (a sealed entry opened and decoded).
            slowStatements.invalidate(listKey);
            return;
        }
        try {
            if (stability.varies()) return;
        } catch (SQLException e) {
            return;
        }
        slowStatements.put(listKey, Boolean.TRUE);
        QueryCacheKey key = key(tenant, result.position(), sql, spec);
        seal.seal(tenant, key.asString(), encode(result)).ifPresent(stored -> cache.put(key, stored, ttl));
    }

    private static QueryCacheKey key(String tenant, Bookmark position, String sql, StatementSpec spec) {
        return QueryCacheKey.of(tenant, position, sql, spec.positional(), spec.named());
    }

    private static byte[] encode(QueryResult r) {
        List<List<Object>> rows = new ArrayList<>(r.rows().size());
        for (List<Object> row : r.rows()) {
            List<Object> out = new ArrayList<>(row.size());
            for (Object v : row) out.add(v instanceof byte[] b ? ByteBuffer.wrap(b) : v);
            rows.add(out);
        }
        return SERDE.encode(StatementResult.newBuilder().setChanges(0).setLastInsertRowid(0)
                .setColumns(r.columns()).setRows(rows).build());
    }

    private static QueryResult decode(byte[] bytes, Bookmark position) {
        StatementResult s = SERDE.decode(bytes);
        List<List<Object>> rows = new ArrayList<>(s.getRows().size());
        for (List<Object> row : s.getRows()) {
            List<Object> out = new ArrayList<>(row.size());
            for (Object v : row) out.add(v instanceof ByteBuffer b ? toBytes(b) : v instanceof CharSequence c ? c.toString() : v);
            rows.add(out);
        }
        List<String> columns = s.getColumns().stream().map(Object::toString).toList();
        return new QueryResult(columns, rows, position);
    }

    private static byte[] toBytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
