package io.cairn.devstack;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
            // -sharedDb: one database file whatever region or credentials the clients use.
            args.addAll(List.of("-dbPath", directory.toAbsolutePath().toString(), "-sharedDb"));
        }
        DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args.toArray(String[]::new));
        server.start();
        URI endpoint = URI.create("http://127.0.0.1:" + listen);
        log.info("embedded DynamoDB on {} ({})", endpoint, directory == null ? "in memory" : "data in " + directory);
        return new EmbeddedDynamoDb(server, endpoint);
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
