package io.cairn.connectors.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.connectors.snapshot.MutableClock;
import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.connectors.snapshot.SnapshotKeys;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotStoreContract;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.connectors.snapshot.SnapshotUnavailableException;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/** The snapshot store contract against the real S3 protocol: s3proxy in this JVM, over memory. */
class S3SnapshotStoreIT extends SnapshotStoreContract {
    private static EmbeddedS3 server;
    private static S3Client s3;
    private String bucket;

    @BeforeAll
    static void startS3() throws Exception {
        server = new EmbeddedS3(null, "unused", 0).start();
        s3 = client(server.endpoint());
    }

    private static S3Client client(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .httpClientBuilder(Apache5HttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(server.accessKey(), server.secretKey())))
                .build();
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) s3.close();
        if (server != null) server.close();
    }

    @Override
    protected SnapshotStore sealed(SnapshotStore store, io.cairn.connectors.snapshot.SnapshotSeal seal) {
        return store.sealedWith(seal);
    }

    @Override
    protected SnapshotStore newStore(MutableClock clock) {
        bucket = "snapshots-" + UUID.randomUUID();
        s3.createBucket(r -> r.bucket(bucket));
        // A 5 MiB threshold makes the 10 MB test go through multipart upload.
        S3SnapshotConfig config = S3SnapshotConfig.of(bucket).withMultipart(5L << 20, 5L << 20);
        return new S3SnapshotStore(s3, config, clock);
    }

    /** Rewrites the object through the raw S3 API, keeping its metadata, as bit rot or a bad copy would. */
    @Override
    protected void tamperWithStoredObject(String tenant, long offset, UnaryOperator<byte[]> change) {
        String key = SnapshotKeys.key(tenant, offset);
        ResponseBytes<GetObjectResponse> original = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
        s3.putObject(r -> r.bucket(bucket).key(key).metadata(original.response().metadata()),
                RequestBody.fromBytes(change.apply(original.asByteArray())));
    }

    @Test
    void unreachableS3IsARetriableError() throws Exception {
        try (S3Client dead = client(URI.create("http://127.0.0.1:" + Ports.free()))) {
            SnapshotStore unreachable = new S3SnapshotStore(dead, S3SnapshotConfig.of("nowhere"), clock);

            assertThatThrownBy(() -> unreachable.latest("acme"))
                    .isInstanceOf(SnapshotUnavailableException.class)
                    .satisfies(e -> assertThat(((SnapshotStoreException) e).retriable()).isTrue());
            assertThatThrownBy(() -> unreachable.put("acme", 1, stream(1))).isInstanceOf(SnapshotUnavailableException.class);
        }
    }

    @Test
    void missingBucketIsANonRetriableError() {
        SnapshotStore misconfigured = new S3SnapshotStore(s3, S3SnapshotConfig.of("no-such-bucket"), clock);

        assertThatThrownBy(() -> misconfigured.put("acme", 1, stream(1)))
                .isInstanceOf(SnapshotStoreException.class)
                .satisfies(e -> assertThat(((SnapshotStoreException) e).retriable()).isFalse());
        assertThatThrownBy(() -> misconfigured.latest("acme")).isInstanceOf(SnapshotStoreException.class);
        assertThatThrownBy(() -> misconfigured.download("acme", 1, work.resolve("x.db")))
                .as("a missing bucket is not a missing snapshot").isInstanceOf(SnapshotStoreException.class);
    }

    @Test
    void objectsAreStoredUnderTheDocumentedKeyWithChecksumMetadata() {
        SnapshotInfo info = store.put("acme", 42, new ByteArrayInputStream(randomDatabase(1_000)));

        var head = s3.headObject(r -> r.bucket(bucket).key("tenants/acme/snapshots/00000000000000000042"));
        assertThat(head.metadata()).containsEntry("cairn-sha256", info.sha256())
                .containsEntry("cairn-size", "1000")
                .containsEntry("cairn-stored-size", Long.toString(head.contentLength()));
    }

    @Test
    void serverSideEncryptionIsRequestedWhenConfigured() throws Exception {
        SnapshotStore encrypted = new S3SnapshotStore(s3,
                S3SnapshotConfig.of(bucket).withEncryption(S3SnapshotConfig.Encryption.SSE_S3, null), clock);

        encrypted.put("acme", 1, new ByteArrayInputStream(randomDatabase(1_000)));

        assertThat(encrypted.downloadLatest("acme", work.resolve("sse.db"))).isPresent();
    }
}
