package io.cairn.connectors.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.topics.Bookmark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guarantees every {@link QueryCache} gives; subclasses supply a cache with the given limits. */
public abstract class QueryCacheContract {
    protected static final int MAX_VALUE_BYTES = 256 * 1024;
    /** Budget the subclass configures (Redis: the test server's maxmemory). */
    protected static final long BUDGET_BYTES = 4L * 1024 * 1024;
    protected static final Duration TTL = Duration.ofMinutes(5);

    protected SimpleMeterRegistry registry;
    protected QueryCache cache;

    protected abstract QueryCache newCache(SimpleMeterRegistry registry) throws Exception;

    @BeforeEach
    void setUpCache() throws Exception {
        registry = new SimpleMeterRegistry();
        cache = newCache(registry);
    }

    @AfterEach
    void closeCache() {
        cache.close();
    }

    @Test
    void putThenGetReturnsTheValue() {
        QueryCacheKey key = key("acme", 10, "select * from t where id = ?", List.of(1));

        assertThat(cache.put(key, bytes("rows"), TTL)).isTrue();
        assertThat(cache.get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("rows")));
        assertThat(counter("cairn.query.cache.gets", "result", "hit")).isEqualTo(1);
    }

    @Test
    void unknownKeyIsAMiss() {
        assertThat(cache.get(key("acme", 10, "select 1", List.of()))).isEmpty();
        assertThat(counter("cairn.query.cache.gets", "result", "miss")).isEqualTo(1);
    }

    @Test
    void aWriteMovesThePositionSoTheOldResultIsNeverServed() {
        cache.put(key("acme", 10, "select count(*) from t", List.of()), bytes("3"), TTL);

        assertThat(cache.get(key("acme", 11, "select count(*) from t", List.of()))).isEmpty();
        assertThat(cache.get(QueryCacheKey.of("acme", new Bookmark(1, 10), "select count(*) from t", List.of(), Map.of())))
                .as("same offset on another partition").isEmpty();
    }

    @Test
    void differentTenantsNeverShareAnEntry() {
        cache.put(key("acme", 10, "select 1", List.of()), bytes("acme"), TTL);

        assertThat(cache.get(key("other", 10, "select 1", List.of()))).isEmpty();
    }

    @Test
    void differentStatementsOrParametersNeverShareAnEntry() {
        cache.put(key("acme", 1, "select * from t where a = ?", List.of(1L)), bytes("int"), TTL);

        assertThat(cache.get(key("acme", 1, "select * from t where a  = ?", List.of(1L)))).as("whitespace").isEmpty();
        assertThat(cache.get(key("acme", 1, "SELECT * from t where a = ?", List.of(1L)))).as("case").isEmpty();
        assertThat(cache.get(key("acme", 1, "select * from t where a = ?", List.of(1.0)))).as("1 vs 1.0").isEmpty();
        assertThat(cache.get(key("acme", 1, "select * from t where a = ?", List.of("1")))).as("1 vs '1'").isEmpty();
        assertThat(cache.get(key("acme", 1, "select * from t where a = ?", Arrays.asList((Object) null)))).isEmpty();
        assertThat(cache.get(key("acme", 1, "select * from t where a = ?", List.of(1L)))).isPresent();
    }

    @Test
    void entryExpiresAfterItsTtl() {
        QueryCacheKey key = key("acme", 1, "select 1", List.of());
        QueryCacheKey lasting = key("acme", 1, "select 2", List.of());
        assertThat(cache.put(lasting, bytes("long-lived"), TTL)).isTrue();
        assertThat(cache.put(key, bytes("short-lived"), Duration.ofSeconds(2))).isTrue();
        assertThat(cache.get(key)).as("stored until its TTL").hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("short-lived")));

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> cache.get(key).isEmpty());
        assertThat(cache.get(lasting)).as("only the expired entry is gone").isPresent();
    }

    @Test
    void oversizedValueIsNotStored() {
        QueryCacheKey key = key("acme", 1, "select big", List.of());

        assertThat(cache.put(key, new byte[MAX_VALUE_BYTES + 1], TTL)).isFalse();
        assertThat(cache.get(key)).isEmpty();
        assertThat(counter("cairn.query.cache.puts", "result", "too_large")).isEqualTo(1);
        assertThat(cache.put(key, new byte[MAX_VALUE_BYTES], TTL)).isTrue();
    }

    @Test
    void totalBudgetEvictsInsteadOfGrowing() {
        int valueBytes = 64 * 1024;
        int puts = (int) (3 * BUDGET_BYTES / valueBytes);
        for (int i = 0; i < puts; i++) {
            assertThat(cache.put(key("acme", i, "select ?", List.of(i)), new byte[valueBytes], TTL)).isTrue();
        }

        long retained = 0;
        for (int i = 0; i < puts; i++) {
            if (cache.get(key("acme", i, "select ?", List.of(i))).isPresent()) retained++;
        }
        assertThat(retained).isPositive();
        assertThat(retained * valueBytes).isLessThanOrEqualTo(BUDGET_BYTES);
    }

    @Test
    void callersCannotChangeACachedValueThroughTheirArrays() {
        QueryCacheKey key = key("acme", 1, "select 1", List.of());
        byte[] value = bytes("original");
        cache.put(key, value, TTL);
        value[0] = 'X';
        cache.get(key).orElseThrow()[1] = 'Y';

        assertThat(cache.get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("original")));
    }

    protected static QueryCacheKey key(String tenant, long offset, String sql, List<?> params) {
        return QueryCacheKey.of(tenant, new Bookmark(0, offset), sql, params, Map.of());
    }

    protected static byte[] bytes(String s) {
        return s.getBytes();
    }

    double counter(String name, String tag, String value) {
        var counter = registry.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }
}
