package io.cairn.infra.cli;

import io.cairn.connectors.cache.LocalQueryCache;
import io.cairn.connectors.cache.QueryCache;
import io.cairn.connectors.redis.RedisQueryCache;
import io.cairn.connectors.redis.RedisQueryCacheConfig;
import io.cairn.connectors.dynamodb.DynamoDbClients;
import io.cairn.connectors.dynamodb.DynamoDbMetadataConfig;
import io.cairn.connectors.dynamodb.DynamoDbMetadataStore;
import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.edge.EdgeOptions;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.edge.read.ReadCopy;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.edge.http.HealthCheck;
import io.cairn.edge.read.ReadCache;
import io.cairn.infra.config.AdminToken;
import io.cairn.infra.config.ConfigException;
import io.cairn.infra.config.DataDirLock;
import io.cairn.infra.config.DevPorts;
import io.cairn.infra.config.EncryptionSettings;
import io.cairn.infra.config.Durations;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.devstack.EmbeddedDynamoDb;
import io.cairn.devstack.EmbeddedRedis;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.EmbeddedKafka;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.infra.runtime.Processes;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.materialize.MaterializerConfig;
import io.cairn.streams.tiering.TieringConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.cairn.tenantdb.sqlite.ScratchSpace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import picocli.CommandLine.Option;

/**
 * {@code cairn dev}: everything on one machine, in one process, with real parts: a KRaft Kafka broker,
 * the applier, the materializer and the query edge, plus S3 (s3proxy) and DynamoDB Local (the control
 * plane). All state lives under the data dir, so a restart keeps every tenant.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run Cairn with everything embedded (Kafka, applier, HTTP edge) under one data dir.")
public final class DevCommand implements Callable<Integer> {
    static final String SNAPSHOT_BUCKET = "cairn-snapshots";
    /** Prefix of the directories ({@link ScratchSpace}) where a process compresses snapshots before upload. */
    static final String SNAPSHOT_SCRATCH = "cairn-snapshots-";
    /** Reads that took at least this long are cached; cheaper ones are faster to run than to fetch. */
    static final Duration READ_CACHE_MIN_COST = Duration.ofMillis(2);
    static final Duration READ_CACHE_TTL = Duration.ofMinutes(5);

    @Option(names = "--port", defaultValue = "${env:CAIRN_HTTP_PORT:-8080}", description = "HTTP port (env CAIRN_HTTP_PORT). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--data-dir", defaultValue = "${env:CAIRN_DATA_DIR:-.cairn}", description = "Where everything is kept (env CAIRN_DATA_DIR). Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--redis", defaultValue = "${env:CAIRN_REDIS_URL}",
            description = "Redis for the query cache: a URL such as redis://localhost:6379, or 'embedded' to start one"
                    + " (env CAIRN_REDIS_URL). Default: an in-process cache.")
    String redisUrl;

    @Option(names = "--kafka-dir", defaultValue = "${env:CAIRN_KAFKA_DIR}",
            description = "Where the embedded broker keeps the log (env CAIRN_KAFKA_DIR). Default: the last start's (kept in"
                    + " <data-dir>/kafka-dir), else <data-dir>/kafka. Put it on another file system than the data dir to keep the log"
                    + " writable when tenant files fill theirs.")
    Path kafkaDir;

    @Option(names = "--kafka-port", defaultValue = "${env:CAIRN_KAFKA_PORT:-0}", description = "Kafka broker port (env CAIRN_KAFKA_PORT). Default: the last one used, else a free one.")
    int kafkaPort;

    @Option(names = "--kafka-controller-port", defaultValue = "${env:CAIRN_KAFKA_CONTROLLER_PORT:-0}",
            description = "Kafka controller port (env CAIRN_KAFKA_CONTROLLER_PORT). Default: the last one used, else a free one.")
    int kafkaControllerPort;

    @Option(names = "--s3-port", defaultValue = "${env:CAIRN_S3_PORT:-0}", description = "S3 server port (env CAIRN_S3_PORT). Default: the last one used, else a free one.")
    int s3Port;

    @Option(names = "--dynamodb-port", defaultValue = "${env:CAIRN_DYNAMODB_PORT:-0}",
            description = "DynamoDB Local port (env CAIRN_DYNAMODB_PORT). Default: the last one used, else a free one.")
    int dynamoPort;

    @Option(names = "--cold-after", defaultValue = "${env:CAIRN_COLD_AFTER:-24h}",
            description = "A tenant neither read nor written for this long goes cold: only its snapshot is kept (env CAIRN_COLD_AFTER)."
                    + " Default: ${DEFAULT-VALUE}.")
    String coldAfter;

    @Option(names = "--max-connections-per-address", defaultValue = "${env:CAIRN_MAX_CONNECTIONS_PER_ADDRESS:-512}",
            description = "Connections one client address may hold of the edge's 4,096 (env CAIRN_MAX_CONNECTIONS_PER_ADDRESS); 0: no limit,"
                    + " for a load test or a proxy on one address. Default: ${DEFAULT-VALUE}.")
    int maxConnectionsPerAddress;

    @Option(names = "--redis-port", defaultValue = "${env:CAIRN_REDIS_PORT:-0}",
            description = "Port of the Redis --redis embedded starts (env CAIRN_REDIS_PORT). Default: the last one used, else a free one.")
    int redisPort;

    @Option(names = "--replica", description = "Also run a replica (its own copy under <data-dir>/replica, its own consumer group)"
            + " and let the edge read it first; answers name the copy that served them (docs/replicas.md).")
    boolean replica;

    /** The key encryption key and the data key vault, in the data dir (docs/security.md); {@code cairn rebuild} opens them too. */
    static final String KEK_FILE = "kek.keys";
    static final String VAULT_DIR = "keys";

    /** The dev replica's name, as answers and metrics give it. */
    static final String DEV_REPLICA = "replica-1";

    /** Budget of an embedded Redis started for the query cache. */
    static final long EMBEDDED_REDIS_BYTES = 64L << 20;
    /** The dev applier's static group membership: a restart after a crash takes the partitions back at once. */
    static final String DEV_APPLIER_INSTANCE = "cairn-dev-applier";
    static final String DEV_MATERIALIZER_INSTANCE = "cairn-dev-materializer";

    /** The tiering job looks every minute, or every 10 s when tenants go cold within 10 minutes (a demo or a test). */
    static TieringConfig devTiering(Duration coldAfter) {
        Duration every = coldAfter.compareTo(Duration.ofMinutes(10)) < 0 ? Duration.ofSeconds(10) : Duration.ofMinutes(1);
        return TieringConfig.defaults().withColdAfter(coldAfter).withEvery(every);
    }

    @Override
    public Integer call() throws Exception {
        if (!devStackPresent()) {
            System.err.println("cairn: 'dev' needs the embedded servers (infra/target/dev-lib), which this classpath lacks;"
                    + " start it with ./cairn dev");
            return 2;
        }
        // Everything that can be wrong with the settings is found before anything starts.
        Path data = dataDir.toAbsolutePath().normalize();
        DataDirLock.acquire(data);
        AdminToken.Resolved token = AdminToken.resolve(data, System.getenv("CAIRN_ADMIN_TOKEN"));
        Path hot = data.resolve("hot");
        EdgeConfig edgeConfig = ConfigException.check(() -> EdgeConfig.defaults(token.token(), hot).withPort(port)
                .withHttp(EdgeConfig.HttpLimits.DEFAULTS.withMaxConnectionsPerAddress(maxConnectionsPerAddress)));
        TieringConfig tiering = ConfigException.check(() -> devTiering(Durations.parse("--cold-after", coldAfter)));
        boolean embeddedRedisWanted = "embedded".equals(redisUrl);
        DevPorts ports = DevPorts.resolve(data, Map.of(DevPorts.Server.KAFKA, kafkaPort, DevPorts.Server.KAFKA_CONTROLLER,
                kafkaControllerPort, DevPorts.Server.S3, s3Port, DevPorts.Server.DYNAMODB, dynamoPort, DevPorts.Server.REDIS, redisPort));
        ports.requireFree(port, embeddedRedisWanted);
        if (!embeddedRedisWanted && redisUrl != null && !redisUrl.isBlank()) {
            ConfigException.check(() -> {
                try {
                    return RedisQueryCacheConfig.fromUrl(redisUrl);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--redis (env CAIRN_REDIS_URL) " + redisUrl + ": " + e.getMessage() + ", or 'embedded'", e);
                }
            });
        }
        ports.keep(); // only ports of a start that got this far

        System.out.println("cairn: starting (data dir " + data + ")");
        Path kafkaLog = kafkaDir == null ? kafkaLog(data) : kafkaDir.toAbsolutePath().normalize();
        EmbeddedKafka kafka = EmbeddedKafka.start(kafkaLog, ports.port(DevPorts.Server.KAFKA), ports.port(DevPorts.Server.KAFKA_CONTROLLER));
        // Real S3 and DynamoDB protocols locally, for snapshots and metadata (see docs/configuration.md).
        EmbeddedS3 s3 = new EmbeddedS3(data.resolve("s3"), SNAPSHOT_BUCKET, ports.port(DevPorts.Server.S3)).start();
        EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(ports.port(DevPorts.Server.DYNAMODB), data.resolve("dynamodb"));
        KafkaSettings settings = KafkaSettings.embedded(kafka.bootstrapServers());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EmbeddedRedis embeddedRedis = embeddedRedisWanted ? EmbeddedRedis.start(ports.port(DevPorts.Server.REDIS), EMBEDDED_REDIS_BYTES) : null;
        String cacheUrl = embeddedRedis != null ? embeddedRedis.url() : redisUrl;
        QueryCache cache = cacheUrl == null || cacheUrl.isBlank()
                ? new LocalQueryCache(1 << 20, 64L << 20, registry)
                : new RedisQueryCache(RedisQueryCacheConfig.fromUrl(cacheUrl), registry);
        DynamoDbClient dynamoClient = DynamoDbClients.local(dynamo.endpoint());
        S3Client s3Client = S3Clients.local(s3.endpoint(), s3.accessKey(), s3.secretKey());
        // Snapshots are compressed in a directory of this process's own, which the next start removes if this one is killed.
        S3SnapshotConfig snapshotConfig = S3SnapshotConfig.of(SNAPSHOT_BUCKET);
        ScratchSpace snapshotScratch = ScratchSpace.claim(snapshotConfig.workDir(), SNAPSHOT_SCRATCH);
        CairnNode node;
        CairnNode replicaNode = null;
        Path replicaDir = data.resolve("replica");
        try {
            TenantKeys keys = EncryptionSettings.keys(data.resolve(KEK_FILE), data.resolve(VAULT_DIR), registry);
            S3SnapshotStore snapshots = new S3SnapshotStore(s3Client, snapshotConfig.withWorkDir(snapshotScratch.dir()));
            EdgeOptions edgeOptions = EdgeOptions.defaults().withReadCache(new ReadCache(cache, READ_CACHE_MIN_COST, READ_CACHE_TTL))
                    .withChecks(List.of(HealthCheck.of("kafka-broker", () -> EmbeddedKafka.failure() == null)));
            if (replica) {
                edgeOptions = edgeOptions.withCopies(List.of(ReadCopy.Spec.replica(DEV_REPLICA, replicaDir), ReadCopy.Spec.primary()));
                ApplierConfig replicaConfig = ApplierConfig.primary(replicaDir).withInstanceId("cairn-dev-replica")
                        .withRole(ApplierConfig.Role.REPLICA, "cairn-replica-" + DEV_REPLICA, replicaDir);
                // Its own registry: the replica's applier meters would collide with the primary's; the edge reports its lag.
                replicaNode = CairnNode.start(new CairnNode.Spec(replicaConfig, null, settings.partitions(), (short) 1)
                        .withSnapshots(snapshots).withEncryption(keys), settings.clientProperties(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            }
            CairnNode.Spec spec = new CairnNode.Spec(ApplierConfig.primary(hot).withInstanceId(DEV_APPLIER_INSTANCE),
                            edgeConfig, settings.partitions(), (short) 1)
                    .withEdgeOptions(edgeOptions)
                    .withControlPlane(MaterializerConfig.defaults(data.resolve("materializer-state")).withInstanceId(DEV_MATERIALIZER_INSTANCE),
                            new DynamoDbMetadataStore(dynamoClient, DynamoDbMetadataConfig.defaults()))
                    .withSnapshots(snapshots)
                    .withTiering(tiering)
                    // Per-tenant data keys (docs/security.md): the key encryption key in the data dir, the vault beside it.
                    .withEncryption(keys);
            node = CairnNode.start(spec, settings.clientProperties(), registry);
        } catch (Exception e) {
            if (replicaNode != null) replicaNode.close();
            dynamoClient.close();
            s3Client.close();
            cache.close();
            if (embeddedRedis != null) embeddedRedis.close();
            dynamo.close();
            s3.close();
            kafka.close();
            snapshotScratch.close();
            throw e;
        }
        // Kept once a node started on it: a log refused (one that ends before the files, LogBehindFilesException) is
        // not what the next start without the flag should find.
        keepKafkaLog(data, kafkaLog);
        if (!node.awaitHealthy(Duration.ofSeconds(120))) {
            System.err.println("cairn: not healthy after 120 s; see the log above");
        }
        System.out.println();
        System.out.println("cairn: ready on http://localhost:" + node.httpPort());
        System.out.println("cairn: Kafka " + kafka.bootstrapServers() + "   S3 " + s3.endpoint() + " (bucket " + SNAPSHOT_BUCKET
                + ", key " + s3.accessKey() + ")   DynamoDB " + dynamo.endpoint());
        System.out.println("cairn: query cache " + (cacheUrl == null || cacheUrl.isBlank() ? "in-process"
                        : (embeddedRedis != null ? "embedded " : "") + "Redis at " + cacheUrl)
                + " (reads costing over " + READ_CACHE_MIN_COST.toMillis() + " ms)");
        if (token.generated()) {
            System.out.println("cairn: admin token (new, saved to " + token.source() + "):");
            System.out.println("  " + token.token());
        } else {
            System.out.println("cairn: admin token from " + token.source());
        }
        if (replicaNode != null) {
            System.out.println("cairn: replica " + DEV_REPLICA + " under " + replicaDir + ": reads go to it first (\"copy\" in each answer names"
                    + " the copy; \"consistency\":\"strong\" waits for it to hold everything)");
        }
        System.out.println("cairn: Ctrl-C to stop; everything is kept under " + data);
        Processes.runUntilStopped(snapshotScratch, kafka, s3, dynamo, embeddedRedis, cache, dynamoClient, s3Client, replicaNode, node);
        return 0;
    }

    /** The dev stack is a provided dependency: on the classpath only when the launcher adds it. */
    private static boolean devStackPresent() {
        try {
            Class.forName("io.cairn.devstack.EmbeddedKafka", false, DevCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The file in the data dir naming the Kafka log dir of the last start, when it is not {@code <data-dir>/kafka}. */
    static final String KAFKA_DIR_FILE = "kafka-dir";

    /**
     * Where the data dir's broker keeps its log: the {@code --kafka-dir} of the last start (kept in the data dir, so
     * a restart without the flag and {@code cairn rebuild} find it), else {@code <data-dir>/kafka}.
     */
    static Path kafkaLog(Path data) {
        Path kept = data.resolve(KAFKA_DIR_FILE);
        try {
            if (Files.exists(kept)) {
                String dir = Files.readString(kept).strip();
                if (!dir.isEmpty()) return Path.of(dir);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + kept, e);
        }
        return data.resolve("kafka");
    }

    private static void keepKafkaLog(Path data, Path kafkaLog) {
        Path kept = data.resolve(KAFKA_DIR_FILE);
        try {
            if (kafkaLog.equals(data.resolve("kafka"))) {
                Files.deleteIfExists(kept);
            } else {
                Files.createDirectories(data);
                Files.writeString(kept, kafkaLog + "\n");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot keep the Kafka log dir in " + kept, e);
        }
    }
}
