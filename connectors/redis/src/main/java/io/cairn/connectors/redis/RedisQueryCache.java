package io.cairn.connectors.redis;

import io.cairn.connectors.cache.QueryCacheKey;
import io.cairn.connectors.cache.QueryCacheTtl;
import io.cairn.connectors.cache.QueryCache;
import io.cairn.connectors.cache.QueryCacheMetrics;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ConnectionFuture;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link QueryCache} on Redis (Lettuce, one shared connection; Lettuce pipelines concurrent commands
 * over it). Every failure is a miss: commands time out after a few milliseconds, commands issued while
 * disconnected are rejected at once instead of queued, and the connection is (re)established in the
 * background, so a Redis that is down, slow or not yet started never blocks or fails a query.
 */
public final class RedisQueryCache implements QueryCache {
    private static final Logger log = LoggerFactory.getLogger(RedisQueryCache.class);

    private final RedisQueryCacheConfig config;
    private final QueryCacheMetrics metrics;
    private final ClientResources resources;
    private final RedisClient client;
    private final Object connectLock = new Object();
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private ConnectionFuture<StatefulRedisConnection<byte[], byte[]>> connecting;
    private long nextAttemptNanos;
    private boolean warnedUnreachable;
    private volatile boolean closed;

    public RedisQueryCache(RedisQueryCacheConfig config, MeterRegistry registry) {
        this.config = config;
        this.metrics = new QueryCacheMetrics(registry, "redis");
        Duration delay = config.reconnectDelay();
        this.resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), delay, 2, TimeUnit.MILLISECONDS)).build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Queueing commands while disconnected would turn an outage into a pile of timeouts.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(config.connectTimeout()).keepAlive(true).build())
                .build());
        startConnecting();
        awaitFirstConnection();
    }

    /**
     * Gives the first connection up to the connect timeout, so a freshly started service does not
     * miss on its first queries; if Redis is down, startup goes on and the cache connects later.
     */
    private void awaitFirstConnection() {
        ConnectionFuture<StatefulRedisConnection<byte[], byte[]>> first;
        synchronized (connectLock) {
            first = connecting;
        }
        try {
            first.toCompletableFuture().get(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException notYet) {
            // Logged and retried by the first get or put.
        }
    }

    @Override
    public Optional<byte[]> get(QueryCacheKey key) {
        Optional<RedisCommands<byte[], byte[]>> redis = commands("get");
        if (redis.isEmpty()) {
            metrics.miss();
            return Optional.empty();
        }
        try {
            byte[] value = redis.get().get(redisKey(key));
            if (value == null) metrics.miss(); else metrics.hit();
            return Optional.ofNullable(value);
        } catch (RuntimeException e) {
            failed("get", e);
            metrics.miss();
            return Optional.empty();
        }
    }

    @Override
    public boolean put(QueryCacheKey key, byte[] value, Duration ttl) {
        QueryCacheTtl.require(ttl);
        if (value.length > config.maxValueBytes()) {
            metrics.tooLarge();
            return false;
        }
        Optional<RedisCommands<byte[], byte[]>> redis = commands("put");
        if (redis.isEmpty()) {
            metrics.putFailed();
            return false;
        }
        try {
            redis.get().set(redisKey(key), value, SetArgs.Builder.px(ttl.toMillis()));
            metrics.stored();
            return true;
        } catch (RuntimeException e) {
            failed("put", e);
            metrics.putFailed();
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (connectLock) {
            if (connecting != null) connecting.cancel(true);
        }
        // Closes the connection too.
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private byte[] redisKey(QueryCacheKey key) {
        return (config.keyPrefix() + key.asString()).getBytes(StandardCharsets.UTF_8);
    }

    /** The connection if one is established; otherwise starts (at most one) attempt and returns empty. */
    private Optional<RedisCommands<byte[], byte[]>> commands(String op) {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c != null) return Optional.of(c.sync());
        synchronized (connectLock) {
            if (connection == null && connecting != null && connecting.isDone()) {
                try {
                    connection = connecting.toCompletableFuture().getNow(null);
                    log.info("query cache connected to {}", config);
                } catch (RuntimeException e) {
                    // Once per outage: an attempt every reconnectDelay would flood the log.
                    if (!warnedUnreachable) log.warn("query cache cannot reach {}: {}", config, rootCause(e).toString());
                    warnedUnreachable = true;
                    nextAttemptNanos = System.nanoTime() + config.reconnectDelay().toNanos();
                }
                connecting = null;
            }
            if (connection == null && connecting == null && System.nanoTime() >= nextAttemptNanos) startConnecting();
            if (connection != null) return Optional.of(connection.sync());
        }
        metrics.error(op, "unavailable");
        return Optional.empty();
    }

    private void startConnecting() {
        synchronized (connectLock) {
            if (closed) return;
            // Once connected, Lettuce's own reconnect takes over; this only covers the first connection.
            connecting = client.connectAsync(ByteArrayCodec.INSTANCE, config.toUri());
        }
    }

    private static Throwable rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) e = e.getCause();
        return e;
    }

    private void failed(String op, RuntimeException e) {
        metrics.error(op, e instanceof RedisCommandTimeoutException ? "timeout" : "unavailable");
        log.debug("query cache {} failed: {}", op, e.toString());
    }
}
