package io.cairn.infra;

import static io.cairn.infra.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.connectors.dynamodb.DynamoDbMetadataConfig;
import io.cairn.connectors.dynamodb.DynamoDbMetadataStore;
import io.cairn.infra.TestStack.Reply;
import io.cairn.streams.materialize.Materializer;
import io.cairn.streams.materialize.MaterializerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The control plane end to end, with a real broker and DynamoDB Local: what tenants do reaches the
 * metadata store through the log and the access reports, and comes back out as tenant metadata,
 * usage and fleet listings; a fresh materializer rebuilds the same tables; DynamoDB going away
 * stops nothing on the data path and the view catches up when it returns.
 */
class ControlPlaneIT {
    private static final Duration VIEW = Duration.ofSeconds(60);

    @TempDir Path data;

    @Test
    void whatTenantsDoComesBackAsMetadataUsageAndListings() throws Exception {
        try (TestStack stack = TestStack.startWithControlPlane(data)) {
            String key = stack.createTenant("acme");
            stack.createTenant("beta");
            stack.createTenant("gamma");
            Reply w = stack.post("/v1/tenants/acme/execute", key, json(Map.of("statements", List.of(
                    Map.of("sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"),
                    Map.of("sql", "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')")))));
            assertThat(w.status()).isEqualTo(200);
            for (int i = 0; i < 3; i++) assertThat(stack.post("/v1/tenants/acme/query", key, "{\"sql\":\"SELECT * FROM t\"}").status()).isEqualTo(200);
            // Logged, then failed on the applier: a write all the same, with wait=true as with wait=false.
            assertThat(stack.post("/v1/tenants/acme/execute", key, "{\"sql\":\"INSERT INTO t (id, v) VALUES (1, 'again')\"}").errorCode())
                    .isEqualTo("sql_error");

            JsonNode usage = await().atMost(VIEW).until(() -> stack.get("/v1/tenants/acme/usage", key).body(),
                    u -> u.path("totals").path("reads").asLong() == 3 && u.path("totals").path("writes").asLong() == 2);
            JsonNode totals = usage.path("totals");
            assertThat(totals.path("rows_read").asLong()).isEqualTo(9);
            assertThat(totals.path("statements").asLong()).as("of applied writes only").isEqualTo(2);
            assertThat(totals.path("rows_written").asLong()).isEqualTo(3);
            assertThat(totals.path("bytes_in").asLong()).isPositive();
            assertThat(totals.path("bytes_out").asLong()).isPositive();
            assertThat(usage.path("storage_bytes").asLong()).isPositive();
            assertThat(usage.path("days")).hasSize(1);
            assertThat(usage.path("days").get(0).path("reads").asLong()).isEqualTo(3);

            Reply tenant = stack.get("/v1/tenants/acme", key);
            assertThat(tenant.text("last_access_at")).isNotEmpty();
            assertThat(tenant.body().path("schema_version").asInt()).isZero();
            assertThat(tenant.body().has("last_snapshot")).isTrue();

            assertThat(listAll(stack, "/v1/tenants?limit=2")).containsExactlyInAnyOrder("acme", "beta", "gamma");
            assertThat(listAll(stack, "/v1/tenants?tier=hot&schema_version=0")).containsExactlyInAnyOrder("acme", "beta", "gamma");
            assertThat(listAll(stack, "/v1/tenants?tier=cold")).isEmpty();
            assertThat(listAll(stack, "/v1/tenants?idle_for=1h")).as("nobody idle for an hour").isEmpty();
            assertThat(await().atMost(VIEW).until(() -> listAll(stack, "/v1/tenants?idle_for=0s"), l -> l.size() == 3))
                    .containsExactlyInAnyOrder("acme", "beta", "gamma");
            // A cursor of one idle_for under another (api.md: "idle_for given or not"): the listing goes on, never a 500.
            Reply first = stack.get("/v1/tenants?idle_for=0s&limit=1", TestStack.ADMIN);
            Reply onward = stack.get("/v1/tenants?idle_for=1h&cursor=" + first.text("next_cursor"), TestStack.ADMIN);
            assertThat(onward.status()).as(onward.body().toString()).isEqualTo(200);
            assertThat(onward.body().path("tenants")).as("nobody idle for an hour").isEmpty();
            assertThat(stack.get("/health", null).body().path("details").path("materializer").has("lag_records")).isTrue();

            // A tenant deleted and created again under the same name is a new customer: its usage starts afresh.
            assertThat(stack.call("DELETE", "/v1/tenants/acme", TestStack.ADMIN, null).status()).isEqualTo(200);
            String again = stack.createTenant("acme");
            assertThat(stack.post("/v1/tenants/acme/query", again, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(200);
            JsonNode fresh = await().atMost(VIEW).until(() -> stack.get("/v1/tenants/acme/usage", again).body(),
                    u -> u.path("totals").path("reads").asLong() >= 1).path("totals");
            assertThat(fresh.path("reads").asLong()).as("nothing of the deleted tenant's reads: " + fresh).isEqualTo(1);
            assertThat(fresh.path("writes").asLong()).isZero();
            assertThat(fresh.path("statements").asLong()).isZero();
        }
    }

    @Test
    void badListingAndUsageRequestsAreRefusedNamingTheField() throws Exception {
        try (TestStack stack = TestStack.startWithControlPlane(data)) {
            String key = stack.createTenant("acme");
            assertField(stack.get("/v1/tenants?tier=warm", TestStack.ADMIN), "tier");
            assertField(stack.get("/v1/tenants?idle_for=soon", TestStack.ADMIN), "idle_for");
            assertField(stack.get("/v1/tenants?schema_version=-1", TestStack.ADMIN), "schema_version");
            assertField(stack.get("/v1/tenants?limit=0", TestStack.ADMIN), "limit");
            assertField(stack.get("/v1/tenants?limit=1001", TestStack.ADMIN), "limit");
            assertField(stack.get("/v1/tenants?cursor=bm90LWEtY3Vyc29y", TestStack.ADMIN), "cursor");
            assertField(stack.get("/v1/tenants/acme/usage?from=yesterday", key), "from");
            assertField(stack.get("/v1/tenants/acme/usage?from=2026-12-02&to=2026-12-01", key), "from");
            String tomorrow = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1).toString();
            Reply ahead = stack.get("/v1/tenants/acme/usage?from=" + tomorrow, key);
            assertField(ahead, "from");
            assertThat(ahead.body().path("error").path("message").asText()).as("says what \"to\" was, unsent").contains("today in UTC");
            assertField(stack.get("/v1/tenants/acme/usage?from=2020-01-01&to=2026-01-01", key), "from");
            // A misspelled or doubled filter is refused, never dropped: dropped, it would list the whole fleet.
            assertField(stack.get("/v1/tenants?idel_for=24h", TestStack.ADMIN), "idel_for");
            assertField(stack.get("/v1/tenants?tier=hot&tier=cold", TestStack.ADMIN), "tier");
            assertField(stack.get("/v1/tenants/acme/usage?frm=2026-12-01", key), "frm");
            assertThat(stack.get("/v1/tenants", key).status()).as("a tenant key may not list the fleet").isEqualTo(403);
            assertThat(stack.get("/v1/tenants/beta/usage", key).status()).isIn(403, 404);
        }
    }

    @Test
    void aFreshMaterializerRebuildsTheSameTables() throws Exception {
        try (TestStack stack = TestStack.startWithControlPlane(data)) {
            for (String t : List.of("one", "two", "three")) {
                String key = stack.createTenant(t);
                stack.post("/v1/tenants/" + t + "/execute", key, "{\"sql\":\"CREATE TABLE t (x)\"}");
                stack.post("/v1/tenants/" + t + "/query", key, "{\"sql\":\"SELECT 1\"}");
            }
            stack.call("DELETE", "/v1/tenants/three", TestStack.ADMIN, null);
            await().atMost(VIEW).until(() -> stack.materializer().lagNow() == 0 && stack.controlPlane().store.get("two").isPresent()
                    && stack.controlPlane().store.get("three").isEmpty()
                    && stack.controlPlane().store.usage("one", stack.controlPlane().store.get("one").orElseThrow().writes().life(), java.time.LocalDate.now(java.time.ZoneOffset.UTC),
                            java.time.LocalDate.now(java.time.ZoneOffset.UTC)).totals().reads() == 1);

            DynamoDbMetadataConfig rebuilt = new DynamoDbMetadataConfig("rebuilt-", 8);
            try (Materializer fresh = Materializer.start(MaterializerConfig.defaults(data.resolve("fresh-state"))
                            .withApplicationId("cairn-materializer-rebuild"),
                    new DynamoDbMetadataStore(stack.controlPlane().client, rebuilt), stack.kafkaProperties(), new SimpleMeterRegistry())) {
                await().atMost(VIEW).until(() -> fresh.running() && fresh.lagNow() == 0
                        && scan(stack, "rebuilt-tenants").equals(scan(stack, "cairn-tenants"))
                        && scan(stack, "rebuilt-usage").equals(scan(stack, "cairn-usage"))
                        && scan(stack, "rebuilt-keys").equals(scan(stack, "cairn-keys")));
            }
            assertThat(scan(stack, "cairn-tenants")).hasSize(2);
        }
    }

    /**
     * The metadata store's files lost while Cairn was stopped: the tables were made again empty, and the materializer,
     * its positions at the topics' ends, left them so (no tenant listed, the tiering job blind, usage zero). Now a store
     * made at the start is filled again from the log.
     */
    @Test
    void aMetadataStoreLostWhileStoppedIsFilledAgainFromTheLog() throws Exception {
        try (TestStack stack = TestStack.startWithControlPlane(data)) {
            for (String t : List.of("kept-a", "kept-b")) stack.createTenant(t);
            await().atMost(VIEW).until(() -> listAll(stack, "/v1/tenants").size() == 2);
        }
        io.cairn.tenantdb.sqlite.TenantFiles.deleteTree(data.resolve("dynamodb"));
        try (TestStack stack = TestStack.startWithControlPlane(data)) {
            assertThat(await().atMost(VIEW).until(() -> listAll(stack, "/v1/tenants"), l -> l.size() == 2))
                    .containsExactlyInAnyOrder("kept-a", "kept-b");
        }
    }

    @Test
    void theDataPathGoesOnWithoutDynamoDbAndTheViewCatchesUp() throws Exception {
        try (TestStack stack = TestStack.startWithControlPlane(data)) {
            String key = stack.createTenant("acme");
            await().atMost(VIEW).until(() -> stack.controlPlane().store.get("acme").isPresent());

            stack.controlPlane().stop();
            String later = stack.createTenant("later");
            assertThat(stack.post("/v1/tenants/later/execute", later, "{\"sql\":\"CREATE TABLE t (x)\"}").status()).isEqualTo(200);
            assertThat(stack.post("/v1/tenants/acme/query", key, "{\"sql\":\"SELECT 42\"}").status()).isEqualTo(200);
            Reply listing = stack.get("/v1/tenants", TestStack.ADMIN);
            assertThat(listing.status()).isEqualTo(503);
            assertThat(listing.errorCode()).isEqualTo("unavailable");
            assertThat(stack.get("/v1/tenants/acme", key).status()).as("metadata still served from the directory").isEqualTo(200);
            assertThat(stack.get("/health", null).status()).isEqualTo(200);
            await().atMost(VIEW).until(() -> stack.registry().get("cairn.materializer.retries").counter().count() > 0);
            assertThat(stack.materializer().lagNow()).as("the lag while the view is behind (-1: not measurable)").isNotZero();

            stack.controlPlane().startAgain();
            assertThat(await().atMost(Duration.ofSeconds(120)).until(() -> listAll(stack, "/v1/tenants"), l -> l.size() == 2))
                    .containsExactlyInAnyOrder("acme", "later");
            await().atMost(VIEW).until(() -> stack.get("/v1/tenants/acme/usage", key).body().path("totals").path("reads").asLong() == 1);
            assertThat(stack.registry().get("cairn.materializer.retries").counter().count()).isPositive();
        }
    }

    private static void assertField(Reply r, String field) {
        assertThat(r.status()).as(r.body().toString()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("invalid_request");
        assertThat(r.body().path("error").path("field").asText()).isEqualTo(field);
    }

    /** Every tenant a listing returns, following next_cursor; fails on anything but 200. */
    private static List<String> listAll(TestStack stack, String path) throws Exception {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            Reply r = stack.get(path + (cursor == null ? "" : (path.contains("?") ? "&" : "?") + "cursor=" + cursor), TestStack.ADMIN);
            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            r.body().path("tenants").forEach(t -> out.add(t.path("tenant").asText()));
            cursor = r.body().path("next_cursor").isNull() ? null : r.body().path("next_cursor").asText();
        } while (cursor != null);
        return out;
    }

    /** A table's items (a scan: tests only), as a set so their order does not matter. */
    private static Set<Map<String, AttributeValue>> scan(TestStack stack, String table) {
        Set<Map<String, AttributeValue>> items = new HashSet<>();
        stack.controlPlane().client.scanPaginator(r -> r.tableName(table)).items().forEach(items::add);
        return items;
    }
}
