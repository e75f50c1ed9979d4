package io.cairn.bench;

import io.cairn.connectors.dynamodb.DynamoDbClients;
import io.cairn.connectors.dynamodb.DynamoDbMetadataConfig;
import io.cairn.connectors.dynamodb.DynamoDbMetadataStore;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.connectors.snapshot.LocalSnapshotStore;
import io.cairn.devstack.EmbeddedDynamoDb;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.devstack.EmbeddedKafka;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.infra.config.EncryptionSettings;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.materialize.Materializer;
import io.cairn.streams.materialize.MaterializerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The stack {@code ./cairn dev} runs (embedded KRaft broker, applier, edge reading DynamoDB Local,
 * Prometheus registry), with the same settings, over a throw-away data dir and free ports; only
 * DynamoDB Local and the S3 server (s3proxy, for snapshots) keep their data in memory. The materializer is started by {@link #startMaterializer}
 * when the control-plane scenarios begin: in a deployment it is a role of its own and DynamoDB a
 * service elsewhere, so the data-path scenarios run as a data node runs, without either beside them
 * (what both cost a node sharing its cores with them, as {@code ./cairn dev} does, is measured in
 * bench/RESULTS.md, issue 11).
 */
final class BenchStack implements AutoCloseable {
    /**
     * The load generator is one client address with thousands of connections, as a load balancer is: the edge's
     * limit per address (512, for clients that connect directly) is off here, as behind a balancer.
     */
    static final EdgeConfig.HttpLimits ONE_CLIENT_ADDRESS = EdgeConfig.HttpLimits.DEFAULTS.withMaxConnectionsPerAddress(0);

    static final String SNAPSHOT_BUCKET = "cairn-snapshots";
    static final String ADMIN_TOKEN = "bench-admin-token-0123456789";

    private final EmbeddedKafka kafka;
    private final EmbeddedDynamoDb dynamo;
    private final DynamoDbClient dynamoClient;
    private final EmbeddedS3 s3;
    private final S3Client s3Client;
    private final MetadataStore controlPlane;
    private final CairnNode node;
    private final Map<String, Object> kafkaClientProps;
    private final Path hotDir;
    private final Path dataDir;
    private final TenantKeys keys;
    private Materializer materializer;

    private BenchStack(EmbeddedKafka kafka, EmbeddedDynamoDb dynamo, DynamoDbClient dynamoClient, EmbeddedS3 s3, S3Client s3Client,
            MetadataStore controlPlane,
            CairnNode node, Map<String, Object> kafkaClientProps, Path hotDir, Path dataDir, TenantKeys keys) {
        this.kafka = kafka;
        this.dynamo = dynamo;
        this.dynamoClient = dynamoClient;
        this.s3 = s3;
        this.s3Client = s3Client;
        this.controlPlane = controlPlane;
        this.node = node;
        this.kafkaClientProps = kafkaClientProps;
        this.hotDir = hotDir;
        this.dataDir = dataDir;
        this.keys = keys;
    }

    static BenchStack start(Path dataDir) throws Exception {
        return start(dataDir, null);
    }

    /**
     * As {@link #start(Path)}, but the node keeps its snapshots in {@code snapshotDir} (the local-directory
     * snapshot store) instead of the S3 server, so that a run holding many snapshots neither counts them in
     * this process's memory (s3proxy's in-memory store) nor waits on s3proxy's file-system store (about 8x
     * slower per freeze here).
     */
    static BenchStack start(Path dataDir, Path snapshotDir) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
        EmbeddedDynamoDb dynamo = null;
        DynamoDbClient dynamoClient = null;
        EmbeddedS3 s3 = null;
        S3Client s3Client = null;
        try {
            // In memory, unlike ./cairn dev: DynamoDB Local stands in for DynamoDB, whose durability is not ours to
            // measure, and on disk it takes ~400 writes/s here (a SQLite commit each), too slow to fill 100,000 tenants.
            dynamo = EmbeddedDynamoDb.start(0, null);
            s3 = new EmbeddedS3(null, SNAPSHOT_BUCKET, 0).start(); // in memory, as DynamoDB Local
            s3Client = S3Clients.local(s3.endpoint(), s3.accessKey(), s3.secretKey());
            dynamoClient = DynamoDbClients.local(dynamo.endpoint());
            MetadataStore store = new DynamoDbMetadataStore(dynamoClient, DynamoDbMetadataConfig.defaults());
            KafkaSettings settings = KafkaSettings.embedded(kafka.bootstrapServers());
            Path hot = dataDir.resolve("hot");
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            // Encrypted, as ./cairn dev is: every tenant's writes and snapshots sealed with its data key.
            TenantKeys keys = EncryptionSettings.keys(dataDir.resolve("kek.keys"), dataDir.resolve("keys"), registry);
            CairnNode node = CairnNode.start(new CairnNode.Spec(ApplierConfig.primary(hot),
                            EdgeConfig.defaults(ADMIN_TOKEN, hot).withPort(0).withHttp(ONE_CLIENT_ADDRESS), settings.partitions(), (short) 1)
                            .withControlPlane(null, store)
                            .withSnapshots(snapshotDir == null ? new S3SnapshotStore(s3Client, S3SnapshotConfig.of(SNAPSHOT_BUCKET))
                                    : new LocalSnapshotStore(snapshotDir))
                            .withEncryption(keys),
                    settings.clientProperties(), registry);
            if (!node.awaitHealthy(Duration.ofSeconds(120))) {
                node.close();
                throw new IllegalStateException("the stack was not healthy after 120 s");
            }
            return new BenchStack(kafka, dynamo, dynamoClient, s3, s3Client, store, node, settings.clientProperties(), hot, dataDir, keys);
        } catch (Exception e) {
            if (s3Client != null) s3Client.close();
            if (s3 != null) s3.close();
            if (dynamoClient != null) dynamoClient.close();
            if (dynamo != null) dynamo.close();
            kafka.close();
            throw e;
        }
    }

    /** The control plane's store (DynamoDB Local, the same tables the materializer writes). */
    MetadataStore controlPlane() {
        return controlPlane;
    }

    /** A raw client of the same DynamoDB Local, for its ceiling. */
    DynamoDbClient dynamoClient() {
        return dynamoClient;
    }

    /** Starts the materializer, writing DynamoDB Local from the topics' beginning; started once. */
    Materializer startMaterializer() {
        if (materializer == null) {
            materializer = Materializer.start(MaterializerConfig.defaults(dataDir.resolve("materializer-state")), controlPlane,
                    kafkaClientProps, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        }
        return materializer;
    }

    /** The materializer, or null before {@link #startMaterializer}. */
    Materializer materializer() {
        return materializer;
    }

    /**
     * Waits until the materializer wrote out everything the previous scenarios caused (its lag 0; at
     * most a minute), so each scenario measures its own work, not the last one's write-out.
     */
    void settle() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (materializer != null && materializer.lagNow() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(100); // pacing the polls
        }
    }

    /**
     * A replica (an applier in the replica role, its own consumer group, over {@code <data>/replica}) and an edge
     * that reads that replica alone, both in this process: the replica starts from the log's beginning.
     */
    Replica startReplica() throws Exception {
        Path dir = dataDir.resolve("replica");
        ApplierConfig config = ApplierConfig.primary(dir).withRole(ApplierConfig.Role.REPLICA, "cairn-replica-bench", dir);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CairnNode applier = CairnNode.start(new CairnNode.Spec(config, null, KafkaSettings.embedded(kafka.bootstrapServers()).partitions(),
                (short) 1).withEncryption(keys), kafkaClientProps, registry);
        CairnNode edge = CairnNode.start(new CairnNode.Spec(null, EdgeConfig.defaults(ADMIN_TOKEN, hotDir).withPort(0).withHttp(ONE_CLIENT_ADDRESS),
                KafkaSettings.embedded(kafka.bootstrapServers()).partitions(), (short) 1)
                .withEdgeOptions(io.cairn.edge.EdgeOptions.defaults().withCopies(List.of(io.cairn.edge.read.ReadCopy.Spec.replica("bench-replica", dir))))
                .withEncryption(keys), kafkaClientProps, registry);
        if (!applier.awaitHealthy(Duration.ofSeconds(120)) || !edge.awaitHealthy(Duration.ofSeconds(120))) {
            edge.close();
            applier.close();
            throw new IllegalStateException("the replica was not healthy after 120 s");
        }
        return new Replica(applier, edge, dir);
    }

    /** A running replica and the edge reading it; closing stops both. */
    record Replica(CairnNode applier, CairnNode edge, Path dir) implements AutoCloseable {
        int httpPort() {
            return edge.httpPort();
        }

        @Override
        public void close() {
            edge.close();
            applier.close();
        }
    }

    /** A client of the stack's S3 server (the snapshots' bucket is {@link #SNAPSHOT_BUCKET}): the raw-GET ceiling. */
    S3Client s3Client() {
        return s3Client;
    }

    Path hotDir() {
        return hotDir;
    }

    /** The tenants' data keys the stack seals with. */
    TenantKeys keys() {
        return keys;
    }

    int httpPort() {
        return node.httpPort();
    }

    /** Bootstrap servers and security of the stack's broker, for the raw Kafka ceiling. */
    Map<String, Object> kafkaClientProps() {
        return kafkaClientProps;
    }

    @Override
    public void close() {
        if (materializer != null) materializer.close();
        node.close();
        s3Client.close();
        s3.close();
        dynamoClient.close();
        dynamo.close();
        kafka.close();
    }
}
