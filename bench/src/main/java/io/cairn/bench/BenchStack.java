package io.cairn.bench;

import io.cairn.edge.config.EdgeConfig;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.devstack.EmbeddedKafka;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.streams.apply.ApplierConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The stack {@code ./cairn dev} runs (embedded KRaft broker, applier, edge, Prometheus registry), with
 * the same settings, over a throw-away data dir and a free port.
 */
final class BenchStack implements AutoCloseable {
    static final String ADMIN_TOKEN = "bench-admin-token-0123456789";

    private final EmbeddedKafka kafka;
    private final CairnNode node;
    private final Map<String, Object> kafkaClientProps;
    private final Path hotDir;

    private BenchStack(EmbeddedKafka kafka, CairnNode node, Map<String, Object> kafkaClientProps, Path hotDir) {
        this.kafka = kafka;
        this.node = node;
        this.kafkaClientProps = kafkaClientProps;
        this.hotDir = hotDir;
    }

    static BenchStack start(Path dataDir) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
        try {
            KafkaSettings settings = KafkaSettings.embedded(kafka.bootstrapServers());
            Path hot = dataDir.resolve("hot");
            CairnNode node = CairnNode.start(new CairnNode.Spec(ApplierConfig.primary(hot),
                            EdgeConfig.defaults(ADMIN_TOKEN, hot).withPort(0), settings.partitions(), (short) 1),
                    settings.clientProperties(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            if (!node.awaitHealthy(Duration.ofSeconds(120))) {
                node.close();
                throw new IllegalStateException("the stack was not healthy after 120 s");
            }
            return new BenchStack(kafka, node, settings.clientProperties(), hot);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
    }

    Path hotDir() {
        return hotDir;
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
        node.close();
        kafka.close();
    }
}
