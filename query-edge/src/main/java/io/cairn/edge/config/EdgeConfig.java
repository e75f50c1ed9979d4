package io.cairn.edge.config;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the query edge can be configured with. Immutable; validated here so a bad value fails at
 * start-up, not on the first request. {@link #defaults(String, Path)} gives every documented default.
 *
 * @param host interface to bind. Default {@code 0.0.0.0}.
 * @param port HTTP port; 0 binds any free port (see {@code QueryEdge.port()}). Default 8080.
 * @param adminToken the bearer token that may do everything on every tenant; at least 16 characters.
 * @param hotDir the hot volume holding tenant files (read-only use: the edge never writes there).
 * @param maxRequestBytes largest request body. Default 1 MiB (well below the topic's 4 MiB record limit).
 * @param maxStatements most statements in one execute batch. Default 1,000.
 * @param maxResultRows most rows one read may return. Default 10,000.
 * @param maxResultBytes most bytes (estimated as JSON) one read may return. Default 8 MiB.
 * @param writeTimeout how long a write (or admin command) waits for its outcome. Default 30 s.
 * @param readWaitDefault how long a read waits for its bookmark when it names no timeout. Default 5 s.
 * @param readWaitMax the longest bookmark wait a read may ask for. Default 30 s.
 * @param maxIdleReadConnections idle read connections kept open over all tenants (LRU). Default 256.
 * @param maxPendingWritesPerTenant writes of one tenant this edge put in the log and has not seen applied;
 *     past it the tenant gets 429 {@code too_many_requests}. Default 1,000.
 * @param readLimits limits every read connection is opened with. Default {@link SqliteLimits#READ_DEFAULTS}.
 * @param http connection limits against slow and idle clients ({@link HttpLimits#DEFAULTS})
 * @param minFreeHotBytes below this much free space on the hot volume, writes are refused with 503
 *     {@code storage_full} (reads go on), so the volume never fills up under the applier. Default 256 MiB.
 * @param scratchDir local disk where the edge makes its copies: as-of reads' past copies, exports and imports
 *     while they are checked. Each copy must leave {@code readLimits.minFreeTempBytes} free there, else 503
 *     {@code storage_full}. Default {@code java.io.tmpdir}. The edge makes them in a directory of its own there
 *     ({@code ScratchSpace}: {@code cairn-edge-*}), and removes those of edges killed before they could.
 */
public record EdgeConfig(
        String host,
        int port,
        String adminToken,
        Path hotDir,
        int maxRequestBytes,
        int maxStatements,
        int maxResultRows,
        long maxResultBytes,
        Duration writeTimeout,
        Duration readWaitDefault,
        Duration readWaitMax,
        int maxIdleReadConnections,
        int maxPendingWritesPerTenant,
        SqliteLimits readLimits,
        HttpLimits http,
        long minFreeHotBytes,
        Path scratchDir) {

    /**
     * What a client may hold of the edge: a connection that sends nothing for {@code idleTimeout} is
     * closed; a request body arriving slower than {@code minRequestBytesPerSecond} is answered 408
     * {@code request_timeout}; at most {@code maxConnections} connections are open at once (so a flood of
     * slow clients holds a bounded number of files); one tenant's requests hold at most
     * {@code maxBodyBytesPerTenant} of request bodies at once (more: 429 {@code too_many_requests}; a write
     * holds its body until it is in the log, not while it waits for its outcome), and bodies over 64 KiB of all
     * tenants together at most {@code maxLargeBodyBytes} (more: 503 {@code unavailable}); each budget is at
     * least {@code maxRequestBytes}, so one request of the largest size is always taken; at most {@code
     * maxConnectionsPerAddress} of the connections come from one client address (0: no such limit, behind a load
     * balancer). Defaults: 150 s, 1 KiB/s, 4,096, 8 MiB, 256 MiB, 512.
     */
    public record HttpLimits(Duration idleTimeout, long minRequestBytesPerSecond, int maxConnections, long maxBodyBytesPerTenant,
            long maxLargeBodyBytes, int maxConnectionsPerAddress) {
        // Idle longer than any answer the edge makes a client wait for (a write's outcome 30 s, a restore 2 min):
        // an idle timeout equal to the write timeout raced it and closed the connection instead of answering 504.
        public static final HttpLimits DEFAULTS = new HttpLimits(Duration.ofSeconds(150), 1024, 4_096, 8L << 20, 256L << 20, 512);

        public HttpLimits {
            requirePositive(idleTimeout, "http.idleTimeout");
            if (minRequestBytesPerSecond < 0) throw new IllegalArgumentException("http.minRequestBytesPerSecond must be >= 0");
            if (maxConnections < 1) throw new IllegalArgumentException("http.maxConnections must be positive");
            if (maxBodyBytesPerTenant < 1 || maxLargeBodyBytes < 1) throw new IllegalArgumentException("http body budgets must be positive");
            if (maxConnectionsPerAddress < 0) throw new IllegalArgumentException("http.maxConnectionsPerAddress must be >= 0 (0: no limit)");
        }

        /** As the defaults, with these timeouts and connections. */
        public HttpLimits(Duration idleTimeout, long minRequestBytesPerSecond, int maxConnections) {
            this(idleTimeout, minRequestBytesPerSecond, maxConnections, DEFAULTS.maxBodyBytesPerTenant, DEFAULTS.maxLargeBodyBytes,
                    DEFAULTS.maxConnectionsPerAddress);
        }

        public HttpLimits withBodyBudgets(long perTenant, long large) {
            return new HttpLimits(idleTimeout, minRequestBytesPerSecond, maxConnections, perTenant, large, maxConnectionsPerAddress);
        }

        public HttpLimits withMaxConnectionsPerAddress(int perAddress) {
            return new HttpLimits(idleTimeout, minRequestBytesPerSecond, maxConnections, maxBodyBytesPerTenant, maxLargeBodyBytes, perAddress);
        }
    }

    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_STATEMENTS = 1_000;
    public static final int DEFAULT_MAX_RESULT_ROWS = 10_000;
    public static final long DEFAULT_MAX_RESULT_BYTES = 8L << 20;
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_READ_WAIT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_READ_WAIT_MAX = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_IDLE_READ_CONNECTIONS = 256;
    public static final int DEFAULT_MAX_PENDING_WRITES_PER_TENANT = 1_000;
    public static final long DEFAULT_MIN_FREE_HOT_BYTES = 256L << 20;

    public EdgeConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port must be 0..65535 (0 = any free port)");
        if (adminToken == null || adminToken.strip().length() < 16) {
            throw new IllegalArgumentException("adminToken must be at least 16 characters");
        }
        Objects.requireNonNull(hotDir, "hotDir");
        if (maxRequestBytes < 1024) throw new IllegalArgumentException("maxRequestBytes must be at least 1 KiB");
        if (maxStatements < 1) throw new IllegalArgumentException("maxStatements must be positive");
        if (maxResultRows < 1) throw new IllegalArgumentException("maxResultRows must be positive");
        if (maxResultBytes < 1024) throw new IllegalArgumentException("maxResultBytes must be at least 1 KiB");
        requirePositive(writeTimeout, "writeTimeout");
        requirePositive(readWaitDefault, "readWaitDefault");
        requirePositive(readWaitMax, "readWaitMax");
        if (readWaitDefault.compareTo(readWaitMax) > 0) throw new IllegalArgumentException("readWaitDefault must not exceed readWaitMax");
        if (maxIdleReadConnections < 0) throw new IllegalArgumentException("maxIdleReadConnections must be >= 0");
        if (maxPendingWritesPerTenant < 1) throw new IllegalArgumentException("maxPendingWritesPerTenant must be positive");
        Objects.requireNonNull(readLimits, "readLimits");
        Objects.requireNonNull(http, "http");
        if (minFreeHotBytes < 0) throw new IllegalArgumentException("minFreeHotBytes must be >= 0");
        Objects.requireNonNull(scratchDir, "scratchDir");
    }

    /** Every option at its documented default. */
    public static EdgeConfig defaults(String adminToken, Path hotDir) {
        return new EdgeConfig("0.0.0.0", DEFAULT_PORT, adminToken, hotDir, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_STATEMENTS,
                DEFAULT_MAX_RESULT_ROWS, DEFAULT_MAX_RESULT_BYTES, DEFAULT_WRITE_TIMEOUT, DEFAULT_READ_WAIT,
                DEFAULT_READ_WAIT_MAX, DEFAULT_MAX_IDLE_READ_CONNECTIONS, DEFAULT_MAX_PENDING_WRITES_PER_TENANT, SqliteLimits.READ_DEFAULTS,
                HttpLimits.DEFAULTS, DEFAULT_MIN_FREE_HOT_BYTES, Path.of(System.getProperty("java.io.tmpdir")));
    }

    public EdgeConfig withPort(int newPort) {
        return new EdgeConfig(host, newPort, adminToken, hotDir, maxRequestBytes, maxStatements, maxResultRows,
                maxResultBytes, writeTimeout, readWaitDefault, readWaitMax, maxIdleReadConnections, maxPendingWritesPerTenant, readLimits, http, minFreeHotBytes, scratchDir);
    }

    public EdgeConfig withHost(String newHost) {
        return new EdgeConfig(newHost, port, adminToken, hotDir, maxRequestBytes, maxStatements, maxResultRows,
                maxResultBytes, writeTimeout, readWaitDefault, readWaitMax, maxIdleReadConnections, maxPendingWritesPerTenant, readLimits, http, minFreeHotBytes, scratchDir);
    }

    public EdgeConfig withWriteTimeout(Duration timeout) {
        return new EdgeConfig(host, port, adminToken, hotDir, maxRequestBytes, maxStatements, maxResultRows,
                maxResultBytes, timeout, readWaitDefault, readWaitMax, maxIdleReadConnections, maxPendingWritesPerTenant, readLimits, http, minFreeHotBytes, scratchDir);
    }

    public EdgeConfig withMaxPendingWritesPerTenant(int max) {
        return new EdgeConfig(host, port, adminToken, hotDir, maxRequestBytes, maxStatements, maxResultRows,
                maxResultBytes, writeTimeout, readWaitDefault, readWaitMax, maxIdleReadConnections, max, readLimits, http, minFreeHotBytes, scratchDir);
    }

    public EdgeConfig withHttp(HttpLimits limits) {
        return new EdgeConfig(host, port, adminToken, hotDir, maxRequestBytes, maxStatements, maxResultRows,
                maxResultBytes, writeTimeout, readWaitDefault, readWaitMax, maxIdleReadConnections, maxPendingWritesPerTenant,
                readLimits, limits, minFreeHotBytes, scratchDir);
    }

    public EdgeConfig withMinFreeHotBytes(long bytes) {
        return new EdgeConfig(host, port, adminToken, hotDir, maxRequestBytes, maxStatements, maxResultRows,
                maxResultBytes, writeTimeout, readWaitDefault, readWaitMax, maxIdleReadConnections, maxPendingWritesPerTenant,
                readLimits, http, bytes, scratchDir);
    }

    public EdgeConfig withScratchDir(Path dir) {
        return new EdgeConfig(host, port, adminToken, hotDir, maxRequestBytes, maxStatements, maxResultRows,
                maxResultBytes, writeTimeout, readWaitDefault, readWaitMax, maxIdleReadConnections, maxPendingWritesPerTenant,
                readLimits, http, minFreeHotBytes, dir);
    }

    public EdgeConfig withReadLimits(SqliteLimits limits) {
        return new EdgeConfig(host, port, adminToken, hotDir, maxRequestBytes, maxStatements, maxResultRows,
                maxResultBytes, writeTimeout, readWaitDefault, readWaitMax, maxIdleReadConnections, maxPendingWritesPerTenant,
                limits, http, minFreeHotBytes, scratchDir);
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }
}
