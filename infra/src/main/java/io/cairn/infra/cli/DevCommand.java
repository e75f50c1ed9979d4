package io.cairn.infra.cli;

import io.cairn.connectors.cache.LocalQueryCache;
import io.cairn.connectors.cache.QueryCache;
import io.cairn.connectors.cache.RedisQueryCache;
import io.cairn.connectors.cache.RedisQueryCacheConfig;
import io.cairn.edge.EdgeConfig;
import io.cairn.edge.read.ReadCache;
import io.cairn.infra.config.AdminToken;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.infra.embedded.EmbeddedDynamoDb;
import io.cairn.infra.embedded.EmbeddedS3;
import io.cairn.infra.kafka.EmbeddedKafka;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.infra.runtime.Processes;
import io.cairn.streams.apply.ApplierConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn dev}: everything on one machine, in one process, with real parts: a KRaft Kafka broker,
 * the applier and the query edge, plus S3 (s3proxy) and DynamoDB Local for the storage connectors. All state lives under the data dir, so a restart keeps every tenant.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Run Cairn with everything embedded (Kafka, applier, HTTP edge) under one data dir.")
public final class DevCommand implements Callable<Integer> {
    static final String SNAPSHOT_BUCKET = "cairn-snapshots";
    /** Reads that took at least this long are cached; cheaper ones are faster to run than to fetch. */
    static final Duration READ_CACHE_MIN_COST = Duration.ofMillis(2);
    static final Duration READ_CACHE_TTL = Duration.ofMinutes(5);

    @Option(names = "--port", defaultValue = "${env:CAIRN_HTTP_PORT:-8080}", description = "HTTP port (env CAIRN_HTTP_PORT). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--data-dir", defaultValue = "${env:CAIRN_DATA_DIR:-.cairn}", description = "Where everything is kept (env CAIRN_DATA_DIR). Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--redis", defaultValue = "${env:CAIRN_REDIS_URL}",
            description = "Redis for the query cache, e.g. redis://localhost:6379 (env CAIRN_REDIS_URL). Default: an in-process cache.")
    String redisUrl;

    @Override
    public Integer call() throws Exception {
        Path data = dataDir.toAbsolutePath().normalize();
        AdminToken.Resolved token = AdminToken.resolve(data, System.getenv("CAIRN_ADMIN_TOKEN"));
        System.out.println("cairn: starting (data dir " + data + ")");
        EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"));
        // Real S3 and DynamoDB protocols locally, for snapshots and metadata (see docs/configuration.md).
        EmbeddedS3 s3 = new EmbeddedS3(data.resolve("s3"), SNAPSHOT_BUCKET, 0).start();
        EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(0, data.resolve("dynamodb"));
        KafkaSettings settings = KafkaSettings.embedded(kafka.bootstrapServers());
        Path hot = data.resolve("hot");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        QueryCache cache = redisUrl == null || redisUrl.isBlank()
                ? new LocalQueryCache(1 << 20, 64L << 20, registry)
                : new RedisQueryCache(RedisQueryCacheConfig.fromUrl(redisUrl), registry);
        CairnNode node;
        try {
            node = CairnNode.start(new CairnNode.Spec(ApplierConfig.primary(hot),
                            EdgeConfig.defaults(token.token(), hot).withPort(port), settings.partitions(), (short) 1,
                            new ReadCache(cache, READ_CACHE_MIN_COST, READ_CACHE_TTL)),
                    settings.clientProperties(), registry);
        } catch (Exception e) {
            cache.close();
            dynamo.close();
            s3.close();
            kafka.close();
            throw e;
        }
        if (!node.awaitHealthy(Duration.ofSeconds(120))) {
            System.err.println("cairn: not healthy after 120 s; see the log above");
        }
        System.out.println();
        System.out.println("cairn: ready on http://localhost:" + node.httpPort());
        System.out.println("cairn: Kafka " + kafka.bootstrapServers() + "   S3 " + s3.endpoint() + " (bucket " + SNAPSHOT_BUCKET
                + ", key " + s3.accessKey() + ")   DynamoDB " + dynamo.endpoint());
        System.out.println("cairn: query cache " + (redisUrl == null || redisUrl.isBlank() ? "in-process" : "Redis at " + redisUrl)
                + " (reads costing over " + READ_CACHE_MIN_COST.toMillis() + " ms)");
        if (token.generated()) {
            System.out.println("cairn: admin token (new, saved to " + token.source() + "):");
            System.out.println("  " + token.token());
        } else {
            System.out.println("cairn: admin token from " + token.source());
        }
        System.out.println("cairn: Ctrl-C to stop; everything is kept under " + data);
        Processes.runUntilStopped(kafka, s3, dynamo, cache, node);
        return 0;
    }
}
