package io.cairn.infra.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.infra.config.MetricsSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The figures of one step, as an EMF agent receives them, from the two registries Cairn runs with. */
class EmfReporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ServerSocket agent;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void listen() throws Exception {
        agent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Socket s = agent.accept();
                    Thread.ofVirtual().start(() -> {
                        try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line; (line = in.readLine()) != null; ) received.add(JSON.readTree(line));
                        } catch (java.io.IOException ignored) {
                            // closed
                        }
                    });
                }
            } catch (java.io.IOException closed) {
                // test over
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        agent.close();
    }

    /** The registry serve publishes ({@code /metrics}'s); its timers keep the histogram the percentiles come from. */
    @Test
    void countersAreIncreasesAndTimersArePercentilesOfTheStep() {
        MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter ok = Counter.builder("cairn.test.requests").tag("status", "200").register(registry);
        Timer latency = Timer.builder("cairn.test.latency").publishPercentileHistogram().register(registry);
        Counter.builder("kafka.other").register(registry).increment(); // not Cairn's: stays out
        try (EmfReporter reporter = new EmfReporter(registry, new MetricsSettings.Emf("tcp://127.0.0.1:" + agent.getLocalPort(), "T", "10s"))) {
            ok.increment(3);
            for (int i = 1; i <= 100; i++) latency.record(Duration.ofMillis(i));
            reporter.publishNow();
            Map<String, Double> first = awaitFigures(2);
            assertThat(first.get("cairn.test.requests")).isEqualTo(3);
            assertThat(first.get("cairn.test.latency.count")).isEqualTo(100);
            // buckets are coarse (Micrometer's percentile histogram): within a bucket's width
            assertThat(first.get("cairn.test.latency.p50")).isCloseTo(50, within(15.0));
            assertThat(first.get("cairn.test.latency.p99")).isCloseTo(99, within(20.0));
            assertThat(first).doesNotContainKey("kafka.other");

            received.clear();
            ok.increment(2);
            latency.record(Duration.ofSeconds(2));
            reporter.publishNow();
            Map<String, Double> second = awaitFigures(2);
            assertThat(second.get("cairn.test.requests")).as("the increase, not the total").isEqualTo(2);
            assertThat(second.get("cairn.test.latency.count")).isEqualTo(1);
            assertThat(second.get("cairn.test.latency.p99")).as("only this step's value").isGreaterThan(1_000);
        }
    }

    @Test
    void aQuantileIsInterpolatedInsideItsBucket() {
        CountAtBucket[] buckets = {new CountAtBucket(10.0, 0), new CountAtBucket(20.0, 0), new CountAtBucket(40.0, 0)};
        double[] cumulative = {0, 50, 100};
        assertThat(EmfReporter.quantile(buckets, cumulative, 0.25)).isEqualTo(15.0);
        assertThat(EmfReporter.quantile(buckets, cumulative, 0.75)).isEqualTo(30.0);
        assertThat(EmfReporter.quantile(buckets, new double[] {0, 0, 0}, 0.99)).isEqualTo(0);
    }

    /** Every metric value of the documents received once at least {@code documents} arrived. */
    private Map<String, Double> awaitFigures(int documents) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= documents);
        Map<String, Double> out = new java.util.HashMap<>();
        for (JsonNode doc : received) {
            for (JsonNode d : doc.path("_aws").path("CloudWatchMetrics")) {
                assertThat(d.path("Namespace").asText()).isEqualTo("T");
                for (JsonNode m : d.path("Metrics")) out.put(m.path("Name").asText(), doc.path(m.path("Name").asText()).asDouble());
            }
        }
        return out;
    }
}
