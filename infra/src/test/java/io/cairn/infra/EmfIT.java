package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.cdk.AlarmMetrics;
import io.cairn.infra.config.MetricsSettings;
import io.cairn.infra.metrics.EmfReporter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CloudWatch EMF output of a running Cairn, received as the CloudWatch agent's TCP listener receives it:
 * well-formed documents in the configured namespace carrying every metric the CDK app alarms and scales
 * on ({@link AlarmMetrics}), with totals across tags.
 */
class EmfIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path data;
    static SnapshotBucket bucket;
    static TestStack stack;
    static ServerSocket agent;
    static final List<JsonNode> documents = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        bucket = SnapshotBucket.start(data.resolve("s3"));
        stack = TestStack.startWithControlPlane(data, spec -> spec.withSnapshots(bucket.options()));
        agent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!agent.isClosed()) {
                try {
                    Socket s = agent.accept();
                    Thread.ofVirtual().start(() -> read(s));
                } catch (java.io.IOException closed) {
                    return;
                }
            }
        });
    }

    private static void read(Socket s) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) documents.add(JSON.readTree(line));
        } catch (java.io.IOException e) {
            // the reporter closed the connection
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) agent.close();
        if (stack != null) stack.close();
        if (bucket != null) bucket.close();
    }

    @Test
    void everyMetricTheCdkAppAlarmsOnArrivesAtTheAgent() throws Exception {
        String key = stack.createTenant("emf");
        stack.post("/v1/tenants/emf/execute", key, "{\"sql\":\"CREATE TABLE t (v)\"}");
        stack.post("/v1/tenants/emf/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}");
        // A freeze and a thaw, so the thaw timer has a value in this step.
        assertThat(stack.post("/v1/tenants/emf/tier", ADMIN, "{\"tier\":\"cold\"}").status()).isEqualTo(202);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> stack.get("/v1/tenants/emf", ADMIN).text("tier").equals("cold"));
        assertThat(stack.post("/v1/tenants/emf/tier", ADMIN, "{\"tier\":\"hot\"}").status()).isEqualTo(200);

        MetricsSettings.Emf settings = new MetricsSettings.Emf("tcp://127.0.0.1:" + agent.getLocalPort(), "CairnTest", "10s");
        try (EmfReporter reporter = new EmfReporter(stack.prometheus(), settings)) {
            // the applier's lag gauge appears once its consumer has fetched; publish until every name arrived
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                reporter.publishNow();
                assertThat(names()).containsAll(AlarmMetrics.ALL);
            });
        }
        for (JsonNode doc : documents) {
            JsonNode aws = doc.path("_aws");
            assertThat(aws.path("Timestamp").isNumber()).as(doc.toString()).isTrue();
            for (JsonNode directive : aws.path("CloudWatchMetrics")) {
                assertThat(directive.path("Namespace").asText()).isEqualTo("CairnTest");
                for (JsonNode m : directive.path("Metrics")) {
                    JsonNode value = doc.path(m.path("Name").asText());
                    assertThat(value.isNumber() || value.isArray()).as(m + " in " + doc).isTrue();
                }
                for (JsonNode set : directive.path("Dimensions")) {
                    for (JsonNode dim : set) assertThat(doc.path(dim.asText()).isTextual()).as(dim + " in " + doc).isTrue();
                }
            }
        }
        // The 5xx alarm's metric math: requests by status alone, and in total (an empty dimension set).
        JsonNode requests = documents.stream().filter(d -> d.has(AlarmMetrics.REQUESTS)).findFirst().orElseThrow();
        Set<String> sets = new TreeSet<>();
        requests.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions").forEach(s -> sets.add(s.toString()));
        assertThat(sets).contains("[\"status\"]", "[]");
        JsonNode failures = documents.stream().filter(d -> d.has(AlarmMetrics.APPLIER_FAILURES) && "machine".equals(d.path("kind").asText()))
                .findFirst().orElseThrow();
        assertThat(failures.path(AlarmMetrics.APPLIER_FAILURES).asDouble()).as("no machine failure in this run").isEqualTo(0);
        JsonNode thaw = documents.stream().filter(d -> d.has(AlarmMetrics.THAW_LATENCY_P99)).findFirst().orElseThrow();
        assertThat(thaw.path(AlarmMetrics.THAW_LATENCY_P99).asDouble()).as("thaw p99 in ms").isGreaterThan(0).isLessThan(60_000);
    }

    private static Set<String> names() {
        Set<String> names = ConcurrentHashMap.newKeySet();
        for (JsonNode doc : documents) {
            for (JsonNode directive : doc.path("_aws").path("CloudWatchMetrics")) {
                for (JsonNode m : directive.path("Metrics")) names.add(m.path("Name").asText());
            }
        }
        return names;
    }
}
