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
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.edge.EdgeOptions;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.edge.read.ReadCache;
import io.cairn.infra.config.AdminToken;
import io.cairn.infra.config.CairnConfig;
import io.cairn.infra.config.ConfigException;
import io.cairn.infra.config.DynamoDbSettings;
import io.cairn.infra.config.SnapshotSettings;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.infra.runtime.Processes;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.SnapshotOptions;
import io.cairn.streams.materialize.MaterializerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.cairn.tenantdb.sqlite.ScratchSpace;
import java.nio.file.Path;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn serve --config cairn.yaml}: the same applier, edge and materializer as {@code dev}, against
 * an external Kafka (Amazon MSK with IAM auth, TLS, or plain), DynamoDB and a shared hot volume.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the applier and/or the HTTP edge against an external Kafka (see docs/configuration.md).")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "YAML configuration file.")
    Path configFile;

    @Override
    public Integer call() throws Exception {
        CairnConfig config = CairnConfig.load(configFile);
        if (config.logFormat().equals("json")) io.cairn.infra.config.Logging.use("json");
        Path hot = config.dataPath().resolve("hot");
        ApplierConfig applier = null;
        if (config.runsApplier() || config.runsReplica()) {
            ApplierConfig d = ApplierConfig.primary(hot);
            applier = new ApplierConfig(hot, d.applicationId(), d.role(), config.applierThreads(), config.maxOpenTenants(),
                    d.groupCommitMaxRecords(), d.maxResultRows(), d.limits().withMinFreeTempBytes(config.minFreeTempBytes()), config.applierInstanceId(), null,
                    config.heavyLaneThreads() == null ? d.heavyLaneThreads() : config.heavyLaneThreads());
            if (config.runsReplica()) {
                applier = applier.withRole(ApplierConfig.Role.REPLICA, config.replica().applicationId(), config.replica().dirPath());
            }
        }
        EdgeConfig edge = null;
        if (config.runsEdge()) {
            if (config.httpPort() != 0 && !io.cairn.infra.config.DevPorts.isFree(config.httpPort())) {
                throw new ConfigException("http_port " + config.httpPort() + " is taken; stop what holds it, or set another http_port in " + configFile);
            }
            AdminToken.Resolved token = AdminToken.resolve(config.dataPath(), System.getenv("CAIRN_ADMIN_TOKEN"));
            // Served behind a load balancer, whose few addresses carry every client: no limit per client address there
            // (the balancer limits its clients); ./cairn dev, where clients connect directly, keeps 512.
            edge = EdgeConfig.defaults(token.token(), hot).withPort(config.httpPort())
                    .withHttp(EdgeConfig.HttpLimits.DEFAULTS.withMaxConnectionsPerAddress(0));
            edge = edge.withReadLimits(edge.readLimits().withMinFreeTempBytes(config.minFreeTempBytes()));
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        QueryCache cache = config.redisUrl() == null
                ? new LocalQueryCache(1 << 20, 64L << 20, registry)
                : new RedisQueryCache(RedisQueryCacheConfig.fromUrl(config.redisUrl()), registry);
        DynamoDbClient dynamo = null;
        CairnNode.Spec spec = new CairnNode.Spec(applier, edge, config.kafka().partitions(), config.kafka().replicationFactor().shortValue())
                .withEdgeOptions(EdgeOptions.defaults().withReadCache(new ReadCache(cache, DevCommand.READ_CACHE_MIN_COST, DevCommand.READ_CACHE_TTL))
                        .withCopies(config.readCopies().stream().map(io.cairn.infra.config.ReadCopySettings::spec).toList()));
        spec = spec.withRegion(config.regionRole());
        if (config.dynamodb() != null) {
            DynamoDbSettings d = config.dynamodb();
            dynamo = DynamoDbClients.aws(d.region(), d.endpointUri());
            MetadataStore store = new DynamoDbMetadataStore(dynamo, new DynamoDbMetadataConfig(d.tablePrefix(), 8));
            if (d.createTables()) store.createTablesIfMissing();
            spec = config.runsMaterializer()
                    ? spec.withControlPlane(MaterializerConfig.defaults(hot.resolve("materializer-state")), store)
                    : spec.withControlPlane(null, store);
        }
        S3Client s3 = null;
        ScratchSpace snapshotScratch = null;
        if (config.snapshots() != null) { // the applier stores snapshots; an edge lists them and reads cold tenants from them
            SnapshotSettings sn = config.snapshots();
            s3 = S3Clients.aws(sn.region(), sn.endpointUri());
            S3SnapshotConfig snapshotConfig = S3SnapshotConfig.of(sn.bucket());
            snapshotScratch = ScratchSpace.claim(snapshotConfig.workDir(), DevCommand.SNAPSHOT_SCRATCH);
            spec = spec.withSnapshots(new SnapshotOptions(new S3SnapshotStore(s3, snapshotConfig.withWorkDir(snapshotScratch.dir())), sn.everyWrites(),
                    (long) sn.everyMegabytes() << 20, sn.keep(), sn.restoreWindowDuration(), sn.spread()));
        }
        if (config.tiering().enabled() && config.runsApplier() && spec.controlPlane() != null && spec.snapshots() != null) {
            spec = spec.withTiering(config.tiering().config());
        }
        if (config.encryption() != null) {
            spec = spec.withEncryption(config.encryption().open(registry));
        } else {
            System.err.println("cairn: warning: no encryption section in the config: tenant data travels on Kafka and sits in snapshots"
                    + " unencrypted, and deleting a tenant cannot erase its log records (docs/security.md)");
        }
        CairnNode node;
        try {
            node = CairnNode.start(spec, config.kafka().clientProperties(), registry);
        } catch (CairnNode.KafkaUnreachable e) {
            System.err.println("cairn serve: " + e.getMessage());
            return 1;
        }
        io.cairn.infra.metrics.EmfReporter emf = config.metrics() != null && config.metrics().emf() != null
                ? new io.cairn.infra.metrics.EmfReporter(registry, config.metrics().emf()).start() : null;
        System.out.println("cairn: serving" + (edge != null ? " on port " + node.httpPort() : "") + " with roles " + config.roles());
        Processes.runUntilStopped(snapshotScratch, cache, s3, node, dynamo, emf);
        return 0;
    }
}
