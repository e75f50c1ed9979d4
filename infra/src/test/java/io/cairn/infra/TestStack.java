package io.cairn.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.connectors.dynamodb.DynamoDbClients;
import io.cairn.connectors.dynamodb.DynamoDbMetadataConfig;
import io.cairn.connectors.dynamodb.DynamoDbMetadataStore;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.devstack.EmbeddedDynamoDb;
import io.cairn.devstack.Ports;
import io.cairn.edge.EdgeOptions;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.devstack.EmbeddedKafka;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.materialize.Materializer;
import io.cairn.streams.materialize.MaterializerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The whole of {@code ./cairn dev} inside a test: a real KRaft broker, the applier and the HTTP edge
 * over one data directory, plus a small JSON-over-HTTP client. Stopping and starting again over the
 * same directory is a restart.
 */
final class TestStack implements AutoCloseable {
    static final String ADMIN = "test-admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A response: status and parsed body. */
    record Reply(int status, JsonNode body, String replayedHeader) {
        String text(String field) {
            return body.path(field).asText();
        }

        String errorCode() {
            return body.path("error").path("code").asText();
        }
    }

    /** How often the edge reports access in these tests (10 s in production): usage shows up quickly. */
    private final io.micrometer.core.instrument.composite.CompositeMeterRegistry meters;
    static final Duration ACCESS_WINDOW = Duration.ofMillis(500);

    private final EmbeddedKafka kafka;
    private final CairnNode node;
    private final SimpleMeterRegistry registry;
    private final ControlPlane controlPlane;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestStack(EmbeddedKafka kafka, CairnNode node, SimpleMeterRegistry registry, ControlPlane controlPlane,
                      io.micrometer.core.instrument.composite.CompositeMeterRegistry meters) {
        this.meters = meters;
        this.kafka = kafka;
        this.node = node;
        this.registry = registry;
        this.controlPlane = controlPlane;
    }

    /** DynamoDB Local (tables under the data dir, so it can be stopped and started again) and a client of it. */
    static final class ControlPlane implements AutoCloseable {
        private final Path dir;
        private final int port;
        private EmbeddedDynamoDb server;
        final DynamoDbClient client;
        final MetadataStore store;

        ControlPlane(Path dir) throws Exception {
            this.dir = dir;
            this.port = Ports.free();
            this.server = EmbeddedDynamoDb.start(port, dir);
            this.client = DynamoDbClients.local(server.endpoint());
            this.store = new DynamoDbMetadataStore(client, DynamoDbMetadataConfig.defaults());
        }

        /** Takes DynamoDB away: every call fails as unreachable. */
        void stop() {
            server.close();
        }

        /** Brings it back on the same port with the same tables. */
        void startAgain() throws Exception {
            server = EmbeddedDynamoDb.start(port, dir);
        }

        @Override
        public void close() {
            client.close();
            server.close();
        }
    }

    static TestStack start(Path dataDir) throws Exception {
        return start(dataDir, dataDir.resolve("hot"), edge -> edge);
    }

    /** As {@link #start(Path)}, with the hot volume at {@code hot} and the edge's settings adjusted. */
    static TestStack start(Path dataDir, Path hot, java.util.function.UnaryOperator<EdgeConfig> edgeSettings) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
        KafkaSettings settings = KafkaSettings.embedded(kafka.bootstrapServers());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        io.micrometer.core.instrument.composite.CompositeMeterRegistry meters = exported(registry);
        CairnNode node = CairnNode.start(
                new CairnNode.Spec(ApplierConfig.primary(hot), edgeSettings.apply(EdgeConfig.defaults(ADMIN, hot).withPort(0)), 4, (short) 1),
                settings.clientProperties(), meters);
        assertThat(node.awaitHealthy(Duration.ofSeconds(60))).as("stack healthy").isTrue();
        return new TestStack(kafka, node, registry, null, meters);
    }

    /** As {@link #start(Path)}, with the node's spec adjusted (snapshots, options). */
    static TestStack startWith(Path dataDir, java.util.function.UnaryOperator<CairnNode.Spec> adjust) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
        KafkaSettings settings = KafkaSettings.embedded(kafka.bootstrapServers());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        io.micrometer.core.instrument.composite.CompositeMeterRegistry meters = exported(registry);
        Path hot = dataDir.resolve("hot");
        CairnNode node = CairnNode.start(
                adjust.apply(new CairnNode.Spec(ApplierConfig.primary(hot), EdgeConfig.defaults(ADMIN, hot).withPort(0), 4, (short) 1)),
                settings.clientProperties(), meters);
        assertThat(node.awaitHealthy(Duration.ofSeconds(60))).as("stack healthy").isTrue();
        return new TestStack(kafka, node, registry, null, meters);
    }

    /** As {@link #start(Path)}, with the control plane: DynamoDB Local, the materializer, access reported every {@link #ACCESS_WINDOW}. */
    static TestStack startWithControlPlane(Path dataDir) throws Exception {
        return startWithControlPlane(dataDir, spec -> spec);
    }

    /** As {@link #startWithControlPlane(Path)}, with the node's spec adjusted (snapshots, tiering). */
    static TestStack startWithControlPlane(Path dataDir, java.util.function.UnaryOperator<CairnNode.Spec> adjust) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
        ControlPlane controlPlane = new ControlPlane(dataDir.resolve("dynamodb"));
        KafkaSettings settings = KafkaSettings.embedded(kafka.bootstrapServers());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        io.micrometer.core.instrument.composite.CompositeMeterRegistry meters = exported(registry);
        Path hot = dataDir.resolve("hot");
        CairnNode node = CairnNode.start(
                adjust.apply(new CairnNode.Spec(ApplierConfig.primary(hot), EdgeConfig.defaults(ADMIN, hot).withPort(0), 4, (short) 1)
                        .withEdgeOptions(EdgeOptions.defaults().withAccessWindow(ACCESS_WINDOW))
                        .withControlPlane(MaterializerConfig.defaults(dataDir.resolve("materializer-state"))
                                .withIntervals(Duration.ofMillis(200), Duration.ofMillis(500)), controlPlane.store)),
                settings.clientProperties(), meters);
        assertThat(node.awaitHealthy(Duration.ofSeconds(60))).as("stack healthy").isTrue();
        return new TestStack(kafka, node, registry, controlPlane, meters);
    }

    /** The control plane of a stack started {@link #startWithControlPlane with one}. */
    ControlPlane controlPlane() {
        return controlPlane;
    }

    /** The node's materializer, or null. */
    Materializer materializer() {
        return node.materializer();
    }

    /**
     * What the node registers its meters in: {@code simple} (which the tests read) and a Prometheus registry,
     * so {@code /metrics} exports the applier's, the materializer's and the edge's meters, as {@code cairn
     * dev} and {@code cairn serve} do.
     */
    private static io.micrometer.core.instrument.composite.CompositeMeterRegistry exported(SimpleMeterRegistry simple) {
        io.micrometer.core.instrument.composite.CompositeMeterRegistry both = new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
        both.add(simple);
        both.add(new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT));
        return both;
    }

    /** Kafka client settings of this stack's broker. */
    java.util.Map<String, Object> kafkaProperties() {
        return KafkaSettings.embedded(kafka.bootstrapServers()).clientProperties();
    }

    /** The Prometheus registry the node also registers in (what {@code /metrics} serves, and serve's EMF output reads). */
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus() {
        return meters.getRegistries().stream().filter(r -> r instanceof io.micrometer.prometheusmetrics.PrometheusMeterRegistry)
                .map(r -> (io.micrometer.prometheusmetrics.PrometheusMeterRegistry) r).findFirst().orElseThrow();
    }

    /** The meters of the applier and the edge of this stack. */
    SimpleMeterRegistry registry() {
        return registry;
    }

    /** The embedded broker, to see its failure and restarts. */
    EmbeddedKafka kafka() {
        return kafka;
    }

    /** A counter's count, 0 when it was never registered. */
    double count(String name) {
        var c = registry.find(name).counter();
        return c == null ? 0 : c.count();
    }

    Reply call(String method, String path, String token, String body) throws IOException, InterruptedException {
        return call(method, path, token, body, java.util.Map.of());
    }

    Reply call(String method, String path, String token, String body, java.util.Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
                .timeout(Duration.ofSeconds(40))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        headers.forEach(b::header);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        OpenApiContract.check(method, path, r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
        JsonNode parsed = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
        return new Reply(r.statusCode(), parsed, r.headers().firstValue("Idempotent-Replayed").orElse(null));
    }

    /** The tenant's content as SQL text ({@code export?format=sql}); the answer must be 200. */
    String exportSql(String tenant, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/v1/tenants/" + tenant + "/export?format=sql"))
                .timeout(Duration.ofSeconds(40)).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** The edge's base URL. */
    String url() {
        return "http://127.0.0.1:" + node.httpPort();
    }

    /** Runs a {@code cairn} command (picocli, in this JVM) against this stack as the admin; returns its exit code. */
    int cli(Object command, String... args) {
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--url", url(), "--token", ADMIN))
                .toArray(String[]::new);
        return new picocli.CommandLine(command).execute(all);
    }

    Reply post(String path, String token, String body) throws IOException, InterruptedException {
        return call("POST", path, token, body);
    }

    Reply get(String path, String token) throws IOException, InterruptedException {
        return call("GET", path, token, null);
    }

    /** Asks for a snapshot of {@code tenant} and waits until the tenant's state names a newer one. */
    void snapshot(String tenant) throws IOException, InterruptedException {
        String before = get("/v1/tenants/" + tenant, ADMIN).body().path("last_snapshot").toString();
        assertThat(post("/v1/tenants/" + tenant + "/snapshots", ADMIN, null).status()).isEqualTo(202);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> !get("/v1/tenants/" + tenant, ADMIN).body().path("last_snapshot").toString().equals(before));
    }

    /** The tenant's logical checksum as the edge answers it ({@code GET /v1/tenants/{t}/checksum}). */
    String checksum(String tenant, String key) throws IOException, InterruptedException {
        Reply r = get("/v1/tenants/" + tenant + "/checksum", key);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return r.text("sha256");
    }

    /** The logical checksum of the tenant's file in {@code hot}, read directly (a rebuilt copy, a live one). */
    static String fileChecksum(Path hot, String tenant) throws Exception {
        try (io.cairn.tenantdb.sqlite.TenantConnection c = io.cairn.tenantdb.sqlite.SqliteConnections.openReadOnly(tenant,
                new io.cairn.tenantdb.sqlite.TenantFiles(hot).database(tenant), io.cairn.tenantdb.sqlite.SqliteLimits.READ_DEFAULTS)) {
            return io.cairn.tenantdb.sql.LogicalChecksum.sha256Hex(c.connection());
        }
    }

    /** Creates a tenant and returns its API key. */
    String createTenant(String tenant) throws IOException, InterruptedException {
        Reply r = post("/v1/tenants", ADMIN, "{\"tenant\":\"" + tenant + "\"}");
        assertThat(r.status()).as("create %s: %s", tenant, r.body()).isEqualTo(201);
        return r.text("api_key");
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        node.close();
        if (controlPlane != null) controlPlane.close();
        kafka.close();
    }
}
