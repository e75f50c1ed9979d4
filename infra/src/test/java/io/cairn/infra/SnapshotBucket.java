package io.cairn.infra;

import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import io.cairn.streams.apply.SnapshotOptions;
import java.nio.file.Path;
import software.amazon.awssdk.services.s3.S3Client;

/** A real s3proxy with the snapshot bucket, and a client of it: what a test stack with snapshots stores them in. */
final class SnapshotBucket implements AutoCloseable {
    static final String BUCKET = "cairn-snapshots";

    private final EmbeddedS3 s3;
    private final S3Client client;

    private SnapshotBucket(EmbeddedS3 s3, S3Client client) {
        this.s3 = s3;
        this.client = client;
    }

    /** Starts s3proxy with its files under {@code dir}. */
    static SnapshotBucket start(Path dir) throws Exception {
        EmbeddedS3 s3 = new EmbeddedS3(dir, BUCKET, Ports.free()).start();
        return new SnapshotBucket(s3, S3Clients.local(s3.endpoint(), s3.accessKey(), s3.secretKey()));
    }

    /** The bucket's S3 client (to read its objects raw). */
    S3Client client() {
        return client;
    }

    /** A store of the bucket (stores share the client; none owns it). */
    S3SnapshotStore store() {
        return new S3SnapshotStore(client, S3SnapshotConfig.of(BUCKET));
    }

    /** The applier's default snapshot options on this bucket. */
    SnapshotOptions options() {
        return SnapshotOptions.defaults(store());
    }

    @Override
    public void close() {
        client.close();
        s3.close();
    }
}
