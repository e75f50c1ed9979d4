package io.cairn.connectors.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.cairn.connectors.cache.QueryCache;
import io.cairn.connectors.cache.QueryCacheContract;
import io.cairn.connectors.cache.QueryCacheKey;
import io.cairn.devstack.EmbeddedRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the contract against a real redis-server this test starts, kills and restarts: the one on the
 * PATH, else the one embedded-redis ships in its jar ({@link EmbeddedRedis}).
 */
class RedisQueryCacheIT extends QueryCacheContract {
    private static EmbeddedRedis redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = EmbeddedRedis.start(0, BUDGET_BYTES);
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) redis.close();
    }

    @BeforeEach
    void emptyRedis() {
        assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
    }

    @Override
    protected QueryCache newCache(SimpleMeterRegistry registry) throws Exception {
        if (redis.command("PING") == null) redis.start(); // a previous test killed it
        redis.command("FLUSHALL");
        return new RedisQueryCache(config(redis.port()), registry);
    }

    static RedisQueryCacheConfig config(int port) {
        // 250 ms, not the 5 ms default: on two shared cores a cold JIT, a GC pause or a busy neighbour
        // can hold a 256 KB SET for tens of milliseconds, and the contract tests expect puts to land.
        return RedisQueryCacheConfig.local("127.0.0.1", port).withCommandTimeout(Duration.ofMillis(250))
                .withReconnectDelay(Duration.ofMillis(100)).withMaxValueBytes(MAX_VALUE_BYTES);
    }

    @Test
    void redisKilledMidTestTurnsIntoMissesThenRecovers() throws Exception {
        QueryCacheKey key = key("acme", 1, "select 1", List.of());
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.put(key, bytes("v"), TTL));

        redis.kill();
        for (int i = 0; i < 20; i++) {
            assertThatCode(() -> assertThat(cache.get(key)).isEmpty()).doesNotThrowAnyException();
            assertThat(cache.put(key, bytes("v"), TTL)).isFalse();
        }
        assertThat(errors()).isPositive();

        redis.start();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> cache.put(key, bytes("again"), TTL));
        assertThat(cache.get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("again")));
    }

    @Test
    void slowRedisIsAMissWithinTheCommandTimeout() throws Exception {
        QueryCacheKey key = key("acme", 1, "select 1", List.of());
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.put(key, bytes("v"), TTL));

        assertThat(redis.command("CLIENT PAUSE 2000 ALL")).isEqualTo("+OK");
        long start = System.nanoTime();
        assertThat(cache.get(key)).isEmpty();
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(tookMs).isLessThan(1_000);
        assertThat(registry.find("cairn.query.cache.errors").tag("cause", "timeout").counter()).isNotNull();
        redis.command("CLIENT UNPAUSE");
    }

    @Test
    void cacheCreatedWhileRedisIsDownMissesThenConnects() throws Exception {
        redis.kill();
        try (QueryCache early = new RedisQueryCache(config(redis.port()), registry)) {
            QueryCacheKey key = key("acme", 1, "select 1", List.of());
            assertThat(early.get(key)).isEmpty();
            assertThat(early.put(key, bytes("v"), TTL)).isFalse();

            redis.start();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> early.put(key, bytes("v"), TTL));
            assertThat(early.get(key)).isPresent();
        }
    }

    private double errors() {
        return registry.find("cairn.query.cache.errors").counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
