package io.cairn.infra.fault;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.devstack.EmbeddedKafka;
import io.cairn.infra.runtime.CairnNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;

/**
 * The test JVM's half of a fault test: a real KRaft broker and an edge-only node over one data dir. The
 * applier runs elsewhere ({@link ApplierProcess}), so killing it leaves the broker and the edge up; the
 * broker can be stopped and started again on the same directory (it keeps its ports).
 */
final class FaultStack implements AutoCloseable {
    static final String ADMIN = "fault-admin-token-0123456789";
    static final int PARTITIONS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dataDir;
    private final CairnNode edge;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile EmbeddedKafka kafka;

    private FaultStack(Path dataDir, EmbeddedKafka kafka, CairnNode edge) {
        this.dataDir = dataDir;
        this.kafka = kafka;
        this.edge = edge;
    }

    static FaultStack start(Path dataDir) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
        Path hot = dataDir.resolve("hot");
        // Short write timeout: while the applier is down a client learns it sooner and retries.
        EdgeConfig edgeConfig = EdgeConfig.defaults(ADMIN, hot).withPort(0).withHost("127.0.0.1")
                .withWriteTimeout(Duration.ofSeconds(8));
        CairnNode edge = CairnNode.start(new CairnNode.Spec(null, edgeConfig, PARTITIONS, (short) 1),
                KafkaSettings.embedded(kafka.bootstrapServers()).clientProperties(), new SimpleMeterRegistry());
        assertThat(edge.awaitHealthy(Duration.ofSeconds(60))).as("edge healthy").isTrue();
        return new FaultStack(dataDir, kafka, edge);
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    Path hotDir() {
        return dataDir.resolve("hot");
    }

    String baseUrl() {
        return "http://127.0.0.1:" + edge.httpPort();
    }

    /** Stops the broker and starts it again on the same log directory and ports. */
    void restartBroker() throws Exception {
        kafka.close();
        kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
    }

    /** Waits until the applier's consumer group is stable with a member: the applier is up and owns the log. */
    void awaitApplierInGroup() throws Exception {
        try (Admin admin = Admin.create(KafkaSettings.embedded(bootstrapServers()).clientProperties())) {
            await("the applier joining its group").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
                try {
                    ConsumerGroupDescription g = admin.describeConsumerGroups(List.of("cairn-applier"))
                            .describedGroups().get("cairn-applier").get(5, TimeUnit.SECONDS);
                    return g.groupState() == GroupState.STABLE && !g.members().isEmpty();
                } catch (ExecutionException | TimeoutException e) {
                    return false; // not there yet
                }
            });
        }
    }

    /** Creates each tenant with the ledger's two tables; returns tenant -> API key. Needs a running applier. */
    Map<String, String> createLedgerTenants(int count) throws Exception {
        Map<String, String> keys = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String tenant = "ledger-" + i;
            JsonNode created = call("/v1/tenants", ADMIN, null, "{\"tenant\":\"" + tenant + "\"}", 201);
            String key = created.path("api_key").asText();
            call("/v1/tenants/" + tenant + "/execute", key, null, "{\"statements\":["
                    + "{\"sql\":\"CREATE TABLE ledger (seq INTEGER NOT NULL)\"},"
                    + "{\"sql\":\"CREATE TABLE pairs (seq INTEGER NOT NULL)\"}]}", 200);
            keys.put(tenant, key);
        }
        return keys;
    }

    /** One request of any method (body null: none); retried on 5xx and I/O errors until {@code expected}. */
    JsonNode request(String method, String path, String token, String body, int expected) {
        return await(method + " " + path + " answering " + expected).atMost(Duration.ofMinutes(2)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(20))
                            .header("Authorization", "Bearer " + token)
                            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
                    try {
                        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == expected) return JSON.readTree(r.body());
                        if (r.statusCode() < 500) throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
                    } catch (IOException e) {
                        // the edge or the applier is restarting: ask again
                    }
                    return null;
                }, java.util.Objects::nonNull);
    }

    /** One request; retried on 5xx and I/O errors (the applier may still be starting) until {@code expected}. */
    JsonNode call(String path, String token, String idempotencyKey, String body, int expected) {
        return await(path + " answering " + expected).atMost(Duration.ofMinutes(2)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(20))
                            .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body));
                    if (idempotencyKey != null) b.header("Idempotency-Key", idempotencyKey);
                    try {
                        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == expected) return JSON.readTree(r.body());
                        if (r.statusCode() < 500) throw new AssertionError(path + " -> " + r.statusCode() + " " + r.body());
                    } catch (IOException e) {
                        // retried: the stack may still be starting
                    }
                    return null;
                }, java.util.Objects::nonNull);
    }

    /** {@code GET path}; retried on 5xx and I/O errors until 200. */
    JsonNode get(String path, String token) {
        return await("GET " + path).atMost(Duration.ofMinutes(2)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + token).GET().build();
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return JSON.readTree(r.body());
                if (r.statusCode() < 500) throw new AssertionError(path + " -> " + r.statusCode() + " " + r.body());
            } catch (IOException e) {
                // retried
            }
            return null;
        }, java.util.Objects::nonNull);
    }

    @Override
    public void close() {
        edge.close();
        kafka.close();
    }
}
