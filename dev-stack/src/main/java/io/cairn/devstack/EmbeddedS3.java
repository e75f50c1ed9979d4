package io.cairn.devstack;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible server in this JVM for {@code cairn dev}: s3proxy over a directory, so snapshots
 * survive a restart of the dev stack. Speaks the real S3 protocol (SigV4 auth, multipart); clients
 * need path-style addressing ({@code forcePathStyle(true)}) and the {@link #accessKey()} /
 * {@link #secretKey()} credentials, with any region.
 *
 * <pre>{@code
 * try (EmbeddedS3 s3 = new EmbeddedS3(dataDir.resolve("s3"), "cairn-snapshots", 0)) {
 *     s3.start();
 *     URI endpoint = s3.endpoint();
 * }
 * }</pre>
 */
public final class EmbeddedS3 implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedS3.class);
    public static final String ACCESS_KEY = "cairn-dev";
    public static final String SECRET_KEY = "cairn-dev-secret";

    private final Path directory;
    private final String bucket;
    private final int requestedPort;
    private S3Proxy proxy;
    private URI endpoint;

    /**
     * @param directory where objects are kept (created if missing), one sub-directory per bucket; null
     *                  keeps them in memory (tests)
     * @param bucket    created on start if missing
     * @param port      port to listen on, 0 for a free one
     */
    public EmbeddedS3(Path directory, String bucket, int port) {
        this.directory = directory;
        this.bucket = bucket;
        this.requestedPort = port;
    }

    /** Starts the server and creates the bucket; returns once requests are accepted. */
    public synchronized EmbeddedS3 start() throws Exception {
        if (proxy != null) return this;
        Properties properties = new Properties();
        BlobStore blobStore;
        if (directory == null) {
            blobStore = BlobStores.create("transient-nio2", properties);
        } else {
            Files.createDirectories(directory);
            properties.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
            blobStore = BlobStores.create("filesystem-nio2", properties);
        }
        if (!blobStore.containerExists(bucket)) blobStore.createContainer(bucket);

        int port = requestedPort == 0 ? Ports.free() : requestedPort;
        URI listen = URI.create("http://127.0.0.1:" + port);
        S3Proxy started = S3Proxy.builder().blobStore(blobStore).endpoint(listen)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        started.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(started.getState())) {
            if (System.nanoTime() > deadline) {
                started.stop();
                throw new IllegalStateException("s3proxy did not start on " + listen + " (state " + started.getState() + ")");
            }
            Thread.sleep(10);
        }
        proxy = started;
        endpoint = listen;
        log.info("embedded S3 on {} (bucket {}, {})", endpoint, bucket, directory == null ? "in memory" : "data in " + directory);
        return this;
    }

    /** {@code http://127.0.0.1:<port>}; only valid after {@link #start()}. */
    public synchronized URI endpoint() {
        if (endpoint == null) throw new IllegalStateException("EmbeddedS3 is not started");
        return endpoint;
    }

    public String bucket() {
        return bucket;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    /** Stops the server; the directory and its objects stay. Idempotent; a failure to stop is logged. */
    @Override
    public synchronized void close() {
        if (proxy == null) return;
        try {
            proxy.stop();
        } catch (Exception e) {
            log.warn("embedded S3 on {} did not stop cleanly", endpoint, e);
        } finally {
            proxy = null;
            endpoint = null;
        }
    }

}
