package io.cairn.connectors.redis;

import io.lettuce.core.RedisURI;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of {@link RedisQueryCache}. ElastiCache with in-transit encryption needs {@code tls}; with
 * an AUTH token set {@code password} (username null means the {@code default} user); with RBAC set
 * both. The total byte budget is the server's {@code maxmemory} with an {@code allkeys-lru} (or
 * {@code volatile-lru}) eviction policy, set in the ElastiCache parameter group: a client cannot
 * enforce a budget shared by many clients.
 *
 * @param commandTimeout  a command slower than this is a miss (default 5 ms): a cache that is slower
 *                        than the query it saves is worse than none
 * @param connectTimeout  TCP/TLS connect timeout (default 1 s); connecting never blocks get/put
 * @param reconnectDelay  wait between connection attempts while Redis is down (default 500 ms)
 * @param maxValueBytes   largest value stored (default 1 MiB)
 * @param keyPrefix       prepended to every key (default {@code cairn:q:}), to share a cluster
 */
public record RedisQueryCacheConfig(String host, int port, boolean tls, boolean verifyPeer, String username,
        String password, Duration commandTimeout, Duration connectTimeout, Duration reconnectDelay, int maxValueBytes,
        String keyPrefix) {

    public RedisQueryCacheConfig {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1..65535");
        if (username != null && password == null) throw new IllegalArgumentException("a username needs a password");
        requirePositive(commandTimeout, "commandTimeout");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(reconnectDelay, "reconnectDelay");
        if (maxValueBytes < 1) throw new IllegalArgumentException("maxValueBytes must be >= 1");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
    }

    /** Plain TCP, no AUTH, defaults elsewhere: a local redis-server. */
    public static RedisQueryCacheConfig local(String host, int port) {
        return new RedisQueryCacheConfig(host, port, false, true, null, null, Duration.ofMillis(5), Duration.ofSeconds(1),
                Duration.ofMillis(500), 1024 * 1024, "cairn:q:");
    }

    /**
     * From a URL such as {@code rediss://user:token@host:6379} ({@code rediss} = TLS; {@code :token@}
     * for an AUTH token without user); defaults elsewhere.
     */
    public static RedisQueryCacheConfig fromUrl(String url) {
        URI uri = URI.create(url);
        boolean tls = switch (String.valueOf(uri.getScheme())) {
            case "redis" -> false;
            case "rediss" -> true;
            default -> throw new IllegalArgumentException("Redis URL must start with redis:// or rediss://");
        };
        String username = null;
        String password = null;
        if (uri.getUserInfo() != null) {
            String[] parts = uri.getUserInfo().split(":", 2);
            username = parts.length == 2 && !parts[0].isEmpty() ? parts[0] : null;
            password = parts.length == 2 ? parts[1] : parts[0];
        }
        RedisQueryCacheConfig base = local(uri.getHost(), uri.getPort() == -1 ? 6379 : uri.getPort());
        return new RedisQueryCacheConfig(base.host, base.port, tls, true, username, password, base.commandTimeout,
                base.connectTimeout, base.reconnectDelay, base.maxValueBytes, base.keyPrefix);
    }

    public RedisQueryCacheConfig withCommandTimeout(Duration timeout) {
        return new RedisQueryCacheConfig(host, port, tls, verifyPeer, username, password, timeout, connectTimeout,
                reconnectDelay, maxValueBytes, keyPrefix);
    }

    public RedisQueryCacheConfig withReconnectDelay(Duration delay) {
        return new RedisQueryCacheConfig(host, port, tls, verifyPeer, username, password, commandTimeout, connectTimeout,
                delay, maxValueBytes, keyPrefix);
    }

    public RedisQueryCacheConfig withMaxValueBytes(int max) {
        return new RedisQueryCacheConfig(host, port, tls, verifyPeer, username, password, commandTimeout, connectTimeout,
                reconnectDelay, max, keyPrefix);
    }

    RedisURI toUri() {
        RedisURI.Builder uri = RedisURI.builder().withHost(host).withPort(port).withTimeout(commandTimeout);
        if (tls) uri.withSsl(true).withVerifyPeer(verifyPeer);
        if (password != null) {
            if (username != null) uri.withAuthentication(username, password.toCharArray());
            else uri.withPassword(password.toCharArray());
        }
        return uri.build();
    }

    @Override
    public String toString() {
        // Never print the password.
        return "RedisQueryCacheConfig[" + (tls ? "rediss://" : "redis://") + (username == null ? "" : username + "@")
                + host + ":" + port + ", commandTimeout=" + commandTimeout + ", maxValueBytes=" + maxValueBytes + "]";
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }
}
