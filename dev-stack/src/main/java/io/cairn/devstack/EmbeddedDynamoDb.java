package io.cairn.devstack;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DynamoDB Local's HTTP server in this JVM for {@code cairn dev}: the real DynamoDB API (conditional
 * writes, GSIs, transactions) for SDK clients pointed at {@link #endpoint()} with any region and any
 * static credentials. Tables live in memory, or in a directory when one is given so metadata survives
 * a restart of the dev stack.
 *
 * <pre>{@code
 * try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(0, dataDir.resolve("dynamodb"))) {
 *     URI endpoint = dynamo.endpoint();
 * }
 * }</pre>
 */
public final class EmbeddedDynamoDb implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDynamoDb.class);

    private final DynamoDBProxyServer server;
    private final URI endpoint;
    private boolean closed;

    private EmbeddedDynamoDb(DynamoDBProxyServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    /**
     * Starts a server and returns once it accepts requests.
     *
     * @param port      port to listen on, 0 for a free one
     * @param directory where tables are stored (created if missing); null keeps them in memory
     */
    public static EmbeddedDynamoDb start(int port, Path directory) throws Exception {
        int listen = port == 0 ? Ports.free() : port;
        // -disableTelemetry: a dev stack phones nowhere and leaves no metadata file in the working directory.
        List<String> args = new ArrayList<>(List.of("-port", Integer.toString(listen), "-disableTelemetry"));
        if (directory == null) {
            args.add("-inMemory");
        } else {
            Files.createDirectories(directory);
            setAsideIfDamaged(directory.resolve(SHARED_DB));
            // -sharedDb: one database file whatever region or credentials the clients use.
            args.addAll(List.of("-dbPath", directory.toAbsolutePath().toString(), "-sharedDb"));
        }
        DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args.toArray(String[]::new));
        onLoopbackOnly(server);
        server.start();
        URI endpoint = URI.create("http://127.0.0.1:" + listen);
        log.info("embedded DynamoDB on {} ({})", endpoint, directory == null ? "in memory" : "data in " + directory);
        return new EmbeddedDynamoDb(server, endpoint);
    }

    /** The file DynamoDB Local keeps every table in with {@code -sharedDb}. */
    static final String SHARED_DB = "shared-local-instance.db";

    /**
     * DynamoDB Local on a damaged file answered every call 500 (its cause, "database disk image is malformed", deep in
     * its traces), the metadata store took that for "unreachable", and {@code ./cairn dev} gave up after two minutes.
     * A damaged file is set aside (renamed, kept for a look) and DynamoDB Local starts on a new one: the control plane's
     * view is built again from the log (the materializer reads its topics from the start into tables made anew).
     * Returns where it was set aside, or null when the file is sound or absent.
     */
    static Path setAsideIfDamaged(Path file) throws java.io.IOException {
        if (!Files.exists(file)) return null;
        String problem;
        // Read-write, as DynamoDB Local opens it: a hot journal left by a kill is rolled back, not taken for damage.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
             java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            problem = rs.next() && "ok".equals(rs.getString(1)) ? null : rs.getString(1);
        } catch (java.sql.SQLException e) {
            problem = e.getMessage();
        }
        if (problem == null) return null;
        Path aside = file.resolveSibling(file.getFileName() + ".damaged-" + System.currentTimeMillis());
        Files.move(file, aside);
        for (String side : List.of("-journal", "-wal", "-shm")) Files.deleteIfExists(file.resolveSibling(file.getFileName() + side));
        log.warn("DynamoDB Local's file {} is damaged ({}): set aside as {}; it starts on a new one, and the control plane's view"
                + " is built again from the log", file, problem, aside.getFileName());
        return aside;
    }

    /**
     * DynamoDB Local has no option for the address it listens on, and it listened on every interface: anyone who could
     * reach the machine could read and rewrite the control plane's tables. Its Jetty server (a private field, made with
     * {@code new Server(port)}) is told to listen on 127.0.0.1 before it starts, as the dev stack's Kafka, Redis and
     * s3proxy do. Fails when a later DynamoDB Local builds its server otherwise, rather than listening everywhere.
     */
    static void onLoopbackOnly(DynamoDBProxyServer proxy) throws ReflectiveOperationException {
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        Connector[] connectors = jetty.getConnectors();
        if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local's server has no connector to bind to 127.0.0.1");
        for (Connector connector : connectors) {
            if (!(connector instanceof ServerConnector network)) {
                throw new IllegalStateException("DynamoDB Local's connector " + connector + " cannot be bound to 127.0.0.1");
            }
            network.setHost("127.0.0.1");
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return endpoint;
    }

    /** Stops the server; with a directory, its tables stay for the next start. Idempotent; a failure to stop is logged. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("embedded DynamoDB on {} did not stop cleanly", endpoint, e);
        }
    }

}
