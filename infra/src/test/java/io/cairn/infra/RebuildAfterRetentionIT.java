package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import io.cairn.infra.TestStack.Reply;
import io.cairn.infra.cli.RebuildCommand;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.streams.apply.RecordsRemovedException;
import io.cairn.streams.apply.ReplayProgress;
import io.cairn.streams.apply.SnapshotOptions;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.TopicCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A rebuild over a log whose beginning retention removed (here: every partition cut at its end, as a
 * retention that passed over all of it would): each tenant comes back from a snapshot that leaves none
 * of its removed records out (one taken after the cut, as the retention guard keeps them; a cold
 * tenant's own), or from its creation still in the log; a tenant neither holds is named, never rebuilt
 * wrong. Real broker, applier and s3proxy.
 */
class RebuildAfterRetentionIT {
    @TempDir Path data;

    @Test
    void aRebuildOverARetainedLogStartsFromSnapshotsAndNamesTheTenantsItCannotGiveBack() throws Exception {
        try (EmbeddedS3 s3 = new EmbeddedS3(data.resolve("s3"), "cairn-snapshots", Ports.free()).start();
             S3Client client = S3Clients.local(s3.endpoint(), s3.accessKey(), s3.secretKey());
             TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(
                     SnapshotOptions.defaults(new S3SnapshotStore(client, S3SnapshotConfig.of("cairn-snapshots")))))) {
            S3SnapshotStore store = new S3SnapshotStore(client, S3SnapshotConfig.of("cairn-snapshots"));
            String snapKey = tenantWithRows(stack, "ra-snap", 200);
            tenantWithRows(stack, "ra-cold", 300);
            Reply frozen = stack.post("/v1/tenants/ra-cold/tier", ADMIN, "{\"tier\":\"cold\"}");
            assertThat(frozen.status()).as(frozen.body().toString()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> "cold".equals(stack.get("/v1/tenants/ra-cold", ADMIN).text("tier")));
            tenantWithRows(stack, "ra-lost", 10); // never snapshotted: its history is only in the log
            tenantWithRows(stack, "ra-gone", 10);
            assertThat(stack.call("DELETE", "/v1/tenants/ra-gone", ADMIN, null).status()).isEqualTo(200);

            // Retention passes over everything written so far. Then the log goes on.
            Map<TopicPartition, Long> cut = cutEveryPartition(stack.kafkaProperties());
            assertThat(cut.values()).anyMatch(o -> o > 0);
            snapshot(stack, "ra-snap"); // as the retention guard does for a tenant whose snapshot grows old
            tenantWithRows(stack, "ra-new", 20);
            String young = onTheSamePartition(cut.size(), "ra-snap");
            youngTenantsPastIsWholeOnTheShortenedLog(stack, young, tenantWithRows(stack, young, 20));
            Reply later = stack.post("/v1/tenants/ra-snap/execute", snapKey, "{\"sql\":\"INSERT INTO t VALUES (1001), (1002)\"}");
            assertThat(later.status()).as(later.body().toString()).isEqualTo(200);
            Path hot = data.resolve("hot");
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(hot, "ra-snap") == 202);

            Path all = data.resolve("rebuilt-all");
            RecordsRemovedException refused = catchThrowableOfType(RecordsRemovedException.class,
                    () -> new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(all))
                            .withSnapshots(store, new SimpleMeterRegistry()).replayAll(t -> t.startsWith("ra-"), p -> { }));
            assertThat(refused).as("ra-lost's records are gone and no snapshot holds them").isNotNull();
            assertThat(refused.tenants()).containsExactly("ra-lost");
            assertThat(refused.getMessage()).contains("ra-lost");
            TenantFiles rebuilt = new TenantFiles(all);
            assertThat(rebuilt.exists("ra-lost")).as("never a partial tenant").isFalse();
            assertThat(rebuilt.exists("ra-gone")).isFalse();
            assertThat(refused.progress().seeded()).as("ra-snap, ra-cold, the fork and the young tenant, from the snapshots taken when"
                    + " they were forked and restored").isEqualTo(4);
            for (String t : List.of("ra-snap", "ra-new", young, young + "-fork")) {
                assertThat(TestStack.fileChecksum(all, t)).as(t).isEqualTo(TestStack.fileChecksum(hot, t));
            }
            assertThat(rows(all, "ra-snap")).isEqualTo(202);
            assertThat(rows(all, "ra-cold")).as("the cold tenant, whose every record is gone, from its snapshot").isEqualTo(300);

            Path others = data.resolve("rebuilt-others");
            ReplayProgress done = new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(others))
                    .withSnapshots(store, new SimpleMeterRegistry()).replayAll(t -> t.startsWith("ra-") && !t.equals("ra-lost"), p -> { });
            assertThat(done.seeded()).isEqualTo(4);
            assertThat(new TenantFiles(others).list()).containsExactlyInAnyOrder("ra-snap", "ra-cold", "ra-new", young, young + "-fork");

            Path noSnapshots = data.resolve("rebuilt-no-snapshots");
            IllegalStateException noStore = catchThrowableOfType(IllegalStateException.class,
                    () -> new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(noSnapshots)).replayAll(t -> true, p -> { }));
            assertThat(noStore).hasMessageContaining("retention removed part of the log");
            int exit = new CommandLine(new RebuildCommand()).execute("--bootstrap", stack.kafkaProperties().get("bootstrap.servers").toString(),
                    "--into", data.resolve("rebuilt-cli").toString());
            assertThat(exit).as("the command refuses a shortened log without snapshots").isEqualTo(2);
        }
    }

    /**
     * A tenant created after the cut on a partition the cut shortened, never snapshotted: the log still holds
     * every record of it, so its restorable range starts at its creation (not "retention"), and a past point
     * reads, forks and restores, built from its creation on.
     */
    private static void youngTenantsPastIsWholeOnTheShortenedLog(TestStack stack, String tenant, String key) throws Exception {
        JsonNode history = stack.get("/v1/tenants/" + tenant + "/history", key).body();
        assertThat(history.path("restorable").path("limited_by").asText()).as(history.toString()).isEqualTo("creation");
        assertThat(history.path("restorable").path("earliest").asText()).isEqualTo(history.path("created_bookmark").asText());
        Reply more = stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"INSERT INTO t VALUES (1000)\"}");
        String before = more.text("bookmark");
        String point = before.substring(0, before.indexOf(':') + 1) + (offset(before) - 1); // right after the first 20 rows
        Reply past = stack.post("/v1/tenants/" + tenant + "/query", key, "{\"sql\":\"SELECT count(*) FROM t\",\"as_of\":\"" + point + "\"}");
        assertThat(past.status()).as(past.body().toString()).isEqualTo(200);
        assertThat(past.body().path("rows").get(0).get(0).asInt()).isEqualTo(20);
        Reply fork = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"" + tenant + "-fork\",\"from\":{\"tenant\":\"" + tenant
                + "\",\"bookmark\":\"" + point + "\"}}");
        assertThat(fork.status()).as(fork.body().toString()).isEqualTo(201);
        Reply forked = stack.post("/v1/tenants/" + tenant + "-fork/query", fork.text("api_key"), "{\"sql\":\"SELECT count(*) FROM t\"}");
        assertThat(forked.body().path("rows").get(0).get(0).asInt()).as(forked.body().toString()).isEqualTo(20);
        await("a fork is snapshotted when it is made").atMost(Duration.ofSeconds(30))
                .until(() -> !stack.get("/v1/tenants/" + tenant + "-fork", ADMIN).body().path("last_snapshot").isNull());
        Reply restored = stack.post("/v1/tenants/" + tenant + "/restore", ADMIN, "{\"bookmark\":\"" + point + "\"}");
        assertThat(restored.status()).as(restored.body().toString()).isEqualTo(200);
        Reply now = stack.post("/v1/tenants/" + tenant + "/query", key, "{\"sql\":\"SELECT count(*) FROM t\",\"consistency\":\"strong\"}");
        assertThat(now.body().path("rows").get(0).get(0).asInt()).as(now.body().toString()).isEqualTo(20);
        await("a restore is snapshotted when it is applied").atMost(Duration.ofSeconds(30))
                .until(() -> !stack.get("/v1/tenants/" + tenant, ADMIN).body().path("last_snapshot").isNull());
        Reply again = stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"INSERT INTO t VALUES (1000)\"}");
        assertThat(again.status()).as(again.body().toString()).isEqualTo(200);
    }

    /** A tenant name that the log's partitioner puts on the partition of {@code other}. */
    private static String onTheSamePartition(int partitions, String other) {
        for (int i = 0; ; i++) {
            String name = "ra-young-" + i;
            if (partitionOf(name, partitions) == partitionOf(other, partitions)) return name;
        }
    }

    private static int partitionOf(String tenant, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
    }

    private static String tenantWithRows(TestStack stack, String tenant, int rows) throws Exception {
        String key = stack.createTenant(tenant);
        stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER PRIMARY KEY)\"}");
        Reply w = stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL"
                + " SELECT n + 1 FROM c WHERE n < " + rows + ") INSERT INTO t SELECT n FROM c\"}");
        assertThat(w.status()).as(w.body().toString()).isEqualTo(200);
        return key;
    }

    private static void snapshot(TestStack stack, String tenant) throws Exception {
        Reply asked = stack.post("/v1/tenants/" + tenant + "/snapshots", ADMIN, null);
        assertThat(asked.status()).as(asked.body().toString()).isEqualTo(202);
        long at = offset(asked.text("bookmark"));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            String b = stack.get("/v1/tenants/" + tenant, ADMIN).body().path("last_snapshot").path("bookmark").asText("");
            return !b.isEmpty() && offset(b) >= at - 1;
        });
    }

    /** Removes every record of cairn.tenant-log written so far, as retention would; returns the new starts. */
    private static Map<TopicPartition, Long> cutEveryPartition(Map<String, Object> kafka) throws Exception {
        try (Admin admin = Admin.create(kafka)) {
            int partitions = admin.describeTopics(List.of(TopicCatalog.TENANT_LOG)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(TopicCatalog.TENANT_LOG).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) latest.put(new TopicPartition(TopicCatalog.TENANT_LOG, p), OffsetSpec.latest());
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
            Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
            ends.forEach((tp, end) -> delete.put(tp, RecordsToDelete.beforeOffset(end)));
            admin.deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
            return ends;
        }
    }

    private static long rows(Path hot, String tenant) throws Exception {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, new TenantFiles(hot).database(tenant), SqliteLimits.READ_DEFAULTS);
             ResultSet rs = c.connection().createStatement().executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }


    private static long offset(String bookmark) {
        return Long.parseLong(bookmark.substring(bookmark.indexOf(':') + 1));
    }
}
