package io.cairn.infra;

import static io.cairn.infra.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.edge.read.ReadCopy;
import io.cairn.infra.TestStack.Reply;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.streams.apply.ApplierConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas and consistency levels (docs/replicas.md) against the real broker: a replica applier in its own
 * consumer group builds its own copy of every tenant; an edge that reads only that copy answers a strong
 * read with everything acknowledged before it, a session read with at least its bookmark, and refuses an
 * eventual read bounded by {@code max_lag_ms} while the replica is stopped; the replica catches up when it
 * comes back, to the same content as the primary's.
 */
class ReplicaIT {
    private static final String TENANT = "acme";

    @TempDir Path data;

    @Test
    void anEdgeReadingAReplicaKeepsEveryLevelsPromiseThroughTheReplicaStopping() throws Exception {
        Path replicaDir = data.resolve("replica");
        try (TestStack stack = TestStack.startWith(data, spec -> spec.withEdgeOptions(spec.edgeOptions()
                .withCopies(List.of(ReadCopy.Spec.replica("replica-a", replicaDir)))))) {
            String key = stack.createTenant(TENANT);
            CairnNode replica = startReplica(stack, replicaDir);
            try {
                Reply w = stack.post("/v1/tenants/acme/execute", key, json(Map.of("statements", List.of(
                        Map.of("sql", "CREATE TABLE t (n INTEGER)"), Map.of("sql", "INSERT INTO t VALUES (1)")))));
                assertThat(w.status()).as(w.body().toString()).isEqualTo(200);

                Reply strong = query(stack, TENANT, key, "strong", null, null);
                assertThat(strong.status()).as(strong.body().toString()).isEqualTo(200);
                assertThat(strong.body().path("rows").toString()).isEqualTo("[[1]]");
                assertThat(strong.text("copy")).isEqualTo("replica-a");

                Reply session = query(stack, TENANT, key, null, w.text("bookmark"), null);
                assertThat(session.body().path("rows").toString()).isEqualTo("[[1]]");
                assertThat(session.text("copy")).isEqualTo("replica-a");
                assertThat(session.text("bookmark")).isEqualTo(w.text("bookmark"));
                assertThat(TestStack.fileChecksum(replicaDir, "acme")).as("the replica's copy is the primary's")
                        .isEqualTo(TestStack.fileChecksum(data.resolve("hot"), "acme"));
            } finally {
                replica.close();
            }

            // The replica stopped: writes go on (the primary applies them), the replica's copy falls behind.
            Reply w2 = stack.post("/v1/tenants/acme/execute", key, json(Map.of("statements", List.of(Map.of("sql", "INSERT INTO t VALUES (2)")))));
            assertThat(w2.status()).as(w2.body().toString()).isEqualTo(200);

            Reply timedOut = query(stack, TENANT, key, "strong", null, 300);
            assertThat(timedOut.status()).as(timedOut.body().toString()).isEqualTo(504);
            assertThat(timedOut.errorCode()).isEqualTo("bookmark_timeout");
            Reply stale = query(stack, TENANT, key, "eventual", null, null);
            assertThat(stale.body().path("rows").toString()).as("an unbounded eventual read takes what the copy has").isEqualTo("[[1]]");
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Reply bounded = boundedQuery(stack, TENANT, key, 200);
                assertThat(bounded.status()).as(bounded.body().toString()).isEqualTo(503);
                assertThat(bounded.errorCode()).isEqualTo("replica_lagging");
                assertThat(bounded.body().path("error").path("message").asText()).contains("replica-a");
            });
            Reply health = stack.get("/health", null);
            assertThat(health.body().path("details").path("copies").path("replica-a").path("lag_records").asLong())
                    .as(health.body().toString()).isPositive();

            // Back: it resumes where its group committed and catches up.
            CairnNode again = startReplica(stack, replicaDir);
            try {
                Reply caughtUp = query(stack, TENANT, key, "strong", null, 20_000);
                assertThat(caughtUp.status()).as(caughtUp.body().toString()).isEqualTo(200);
                assertThat(caughtUp.body().path("rows").toString()).isEqualTo("[[3]]");
                assertThat(caughtUp.text("copy")).isEqualTo("replica-a");
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> boundedQuery(stack, TENANT, key, 1_000).status() == 200);
                assertThat(TestStack.fileChecksum(replicaDir, "acme")).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), "acme"));
            } finally {
                again.close();
            }
        }
    }

    @Test
    void aBoundedEventualReadIsNotServedByACopyWhereTheTenantsOwnRecordsStillWait() throws Exception {
        Path replicaDir = data.resolve("replica");
        try (TestStack stack = TestStack.startWith(data, spec -> spec.withEdgeOptions(spec.edgeOptions()
                .withCopies(List.of(ReadCopy.Spec.replica("replica-a", replicaDir)))))) {
            String key = stack.createTenant("heavy");
            CairnNode replica = startReplica(stack, replicaDir);
            try {
                Reply w = stack.post("/v1/tenants/heavy/execute", key, json(Map.of("statements", List.of(
                        Map.of("sql", "CREATE TABLE t (n INTEGER)"), Map.of("sql", "INSERT INTO t VALUES (1)")))));
                assertThat(w.status()).as(w.body().toString()).isEqualTo(200);
                assertThat(query(stack, "heavy", key, "strong", null, 20_000).text("copy")).isEqualTo("replica-a");
                // An eventual read served by the replica: the edge now knows the replica holds this life of the tenant.
                assertThat(query(stack, "heavy", key, "eventual", null, null).text("copy")).isEqualTo("replica-a");
                io.cairn.topics.Bookmark created = io.cairn.topics.Bookmark.parse(w.text("bookmark"));

                // Writes far past the shared thread's sliver of budget: each waits in the heavy lane, on the replica as on the
                // primary, while the copy's position for the partition moves past them (the tenant listed as pending).
                for (int i = 0; i < 6; i++) {
                    Reply heavy = stack.post("/v1/tenants/heavy/execute?wait=false", key, json(Map.of("sql", "INSERT INTO t SELECT count(*) FROM"
                            + " (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT x FROM c)")));
                    assertThat(heavy.status()).as(heavy.body().toString()).isEqualTo(202);
                }
                try (var positions = io.cairn.tenantdb.sqlite.CopyPositions.reader(new io.cairn.tenantdb.sqlite.TenantFiles(replicaDir))) {
                    Awaitility.await("the tenant pending on the replica").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                            .until(() -> {
                                Long next = positions.nextOffsets().get(created.partition());
                                return next != null && next > created.offset() + 1 && !positions.holds(created.partition(), "heavy", next);
                            });
                }
                Reply bounded = boundedQuery(stack, "heavy", key, 60_000);
                assertThat(bounded.status()).as("its file is behind by the writes in its lane: %s", bounded.body()).isEqualTo(503);
                assertThat(bounded.errorCode()).isEqualTo("replica_lagging");
                assertThat(bounded.body().path("error").path("message").asText()).contains("the tenant's own records");
                // /health counts such tenants beside the copy's lag, which is the partitions' and says nothing of them.
                Awaitility.await("the waiting tenant in /health").atMost(Duration.ofSeconds(30)).until(() ->
                        stack.get("/health", null).body().path("details").path("copies").path("replica-a").path("tenants_waiting").asLong() >= 1);
                Awaitility.await("the lane drained").atMost(Duration.ofSeconds(120)).until(() ->
                        stack.get("/health", null).body().path("details").path("copies").path("replica-a").path("tenants_waiting").asLong() == 0);
            } finally {
                replica.close();
            }
        }
    }

    @Test
    void anEdgeOnThePrimaryAloneServesEveryLevelFromIt() throws Exception {
        try (TestStack stack = TestStack.start(data)) {
            String key = stack.createTenant("solo");
            Reply w = stack.post("/v1/tenants/solo/execute", key, json(Map.of("statements", List.of(
                    Map.of("sql", "CREATE TABLE t (n INTEGER)"), Map.of("sql", "INSERT INTO t VALUES (7)")))));
            assertThat(w.status()).isEqualTo(200);
            for (String level : new String[] {"strong", "session", "eventual"}) {
                Reply r = query(stack, "solo", key, level, level.equals("session") ? w.text("bookmark") : null, null);
                assertThat(r.status()).as(level + ": " + r.body()).isEqualTo(200);
                assertThat(r.body().path("rows").toString()).isEqualTo("[[7]]");
                assertThat(r.text("copy")).isEqualTo("primary");
            }
            assertThat(boundedQuery(stack, "solo", key, 60_000).status()).isEqualTo(200);
            Reply bad = stack.post("/v1/tenants/solo/query", key, json(Map.of("sql", "SELECT 1", "consistency", "linearizable")));
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.errorCode()).isEqualTo("invalid_request");
            Reply lagWithoutEventual = stack.post("/v1/tenants/solo/query", key,
                    json(Map.of("sql", "SELECT 1", "consistency", "strong", "max_lag_ms", 10)));
            assertThat(lagWithoutEventual.status()).isEqualTo(400);
        }
    }

    @Test
    void aNewReplicaStartsFromTheSnapshotsAndGoesOnFromTheLogsEnd() throws Exception {
        try (SnapshotBucket bucket = SnapshotBucket.start(data.resolve("s3"));
             TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()))) {
            String key = stack.createTenant("seeded");
            assertThat(stack.post("/v1/tenants/seeded/execute", key, json(Map.of("statements", List.of(
                    Map.of("sql", "CREATE TABLE t (n INTEGER)"), Map.of("sql", "INSERT INTO t VALUES (1)"))))).status()).isEqualTo(200);
            stack.snapshot("seeded");
            assertThat(stack.post("/v1/tenants/seeded/execute", key, json(Map.of("statements", List.of(
                    Map.of("sql", "INSERT INTO t VALUES (2)"))))).status()).isEqualTo(200);

            Path dir = data.resolve("replica");
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            ApplierConfig config = ApplierConfig.primary(dir).withRole(ApplierConfig.Role.REPLICA, "cairn-replica-seeded", dir);
            try (CairnNode replica = CairnNode.start(new CairnNode.Spec(config, null, 4, (short) 1).withSnapshots(bucket.options()),
                    stack.kafkaProperties(), meters)) {
                assertThat(replica.awaitHealthy(Duration.ofSeconds(60))).isTrue();
                assertThat(meters.get("cairn.snapshots.seeded").counter().count()).as("placed from its snapshot, not replayed from 0").isEqualTo(1);
                assertThat(TestStack.fileChecksum(dir, "seeded")).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), "seeded"));
                assertThat(stack.post("/v1/tenants/seeded/execute", key, json(Map.of("statements", List.of(
                        Map.of("sql", "INSERT INTO t VALUES (3)"))))).status()).isEqualTo(200);
                Awaitility.await("the replica goes on from the log's end").atMost(Duration.ofSeconds(30)).until(() ->
                        TestStack.fileChecksum(dir, "seeded").equals(TestStack.fileChecksum(data.resolve("hot"), "seeded")));

                // Imports are applied from the snapshot store on a replica too: one replacing a tenant's content,
                // one creating a tenant. (The replica once had no store for them and skipped both, serving the old content.)
                assertThat(stack.call("POST", "/v1/tenants/seeded/import?format=sql", TestStack.ADMIN, "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (42);")
                        .status()).isEqualTo(200);
                assertThat(stack.call("POST", "/v1/tenants/imported/import?format=sql", TestStack.ADMIN, "CREATE TABLE u (v TEXT);").status())
                        .isEqualTo(201);
                for (String t : List.of("seeded", "imported")) {
                    Awaitility.await("the replica applies the import of " + t).atMost(Duration.ofSeconds(30)).ignoreExceptions()
                            .until(() -> TestStack.fileChecksum(dir, t).equals(TestStack.fileChecksum(data.resolve("hot"), t)));
                }
                assertThat(meters.get("cairn.applier.quarantined").counter().count()).as("nothing quarantined").isZero();
            }

            // While the replica is down its file of an imported tenant is lost: it heals from the log, which starts with
            // the import, read from the store again. (Its heal once had no store: it waited for one forever, with its partition.)
            java.nio.file.Path lost = new io.cairn.tenantdb.sqlite.TenantFiles(dir).database("imported");
            for (String suffix : List.of("", "-wal", "-shm")) java.nio.file.Files.deleteIfExists(Path.of(lost + suffix));
            try (CairnNode replica = CairnNode.start(new CairnNode.Spec(config, null, 4, (short) 1).withSnapshots(bucket.options()),
                    stack.kafkaProperties(), new SimpleMeterRegistry())) {
                assertThat(replica.awaitHealthy(Duration.ofSeconds(60))).isTrue();
                assertThat(stack.call("POST", "/v1/tenants/imported/execute", TestStack.ADMIN, "{\"sql\":\"INSERT INTO u VALUES ('after')\"}")
                        .status()).isEqualTo(200);
                Awaitility.await("the replica rebuilds the imported tenant").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> TestStack.fileChecksum(dir, "imported").equals(TestStack.fileChecksum(data.resolve("hot"), "imported")));
            }
        }
    }

    /**
     * A tenant deleted and created again under the same id while the replica was stopped: the replica still has
     * the deleted life's file. It served that life's rows to the new life's key (an eventual read, and a
     * session read with a bookmark of the old life); now it serves the tenant only once it applied the create.
     */
    @Test
    void aReplicaBehindADeleteAndACreateOfTheSameIdNeverServesTheDeletedLife() throws Exception {
        Path replicaDir = data.resolve("replica");
        try (TestStack stack = TestStack.startWith(data, spec -> spec.withEdgeOptions(spec.edgeOptions()
                .withCopies(List.of(ReadCopy.Spec.replica("replica-a", replicaDir)))))) {
            String oldKey = stack.createTenant("reborn");
            CairnNode replica = startReplica(stack, replicaDir);
            Reply old;
            try {
                old = stack.post("/v1/tenants/reborn/execute", oldKey, json(Map.of("statements", List.of(
                        Map.of("sql", "CREATE TABLE t (n INTEGER)"), Map.of("sql", "INSERT INTO t VALUES (666)")))));
                assertThat(old.status()).as(old.body().toString()).isEqualTo(200);
                assertThat(query(stack, "reborn", oldKey, "strong", null, null).body().path("rows").toString()).isEqualTo("[[666]]");
            } finally {
                replica.close();
            }
            assertThat(stack.call("DELETE", "/v1/tenants/reborn", TestStack.ADMIN, null).status()).isEqualTo(200);
            String newKey = stack.createTenant("reborn");
            Reply created = stack.post("/v1/tenants/reborn/execute", newKey, json(Map.of("sql", "CREATE TABLE t (n INTEGER)")));
            assertThat(created.status()).as(created.body().toString()).isEqualTo(200);

            for (Reply r : List.of(query(stack, "reborn", newKey, "eventual", null, null), query(stack, "reborn", newKey, null, null, null),
                    query(stack, "reborn", newKey, null, old.text("bookmark"), 300))) {
                assertThat(r.body().toString()).as("the deleted life's rows").doesNotContain("666");
                assertThat(r.status()).as(r.body().toString()).isIn(503, 504);
            }

            CairnNode again = startReplica(stack, replicaDir);
            try {
                Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Reply r = query(stack, "reborn", newKey, "eventual", null, null);
                    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
                    assertThat(r.body().path("rows").toString()).isEqualTo("[[null]]");
                });
            } finally {
                again.close();
            }
        }
    }

    /**
     * A fleet run waits on a tenant the primary holds cold until the tenant's next read thaws it. With a
     * replica, which keeps every tenant hot and applied the run at once, the replica served that read: the
     * primary was never asked to thaw, and the run said waiting_for_cold for good.
     */
    @Test
    void aReadTheReplicaServesOfAColdTenantARunWaitsOnThawsItOnThePrimary() throws Exception {
        Path replicaDir = data.resolve("replica");
        try (SnapshotBucket bucket = SnapshotBucket.start(data.resolve("s3"));
             TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()).withEdgeOptions(spec.edgeOptions()
                     .withCopies(List.of(ReadCopy.Spec.replica("replica-a", replicaDir)))));
             CairnNode replica = startReplica(stack, replicaDir)) {
            String key = stack.createTenant("waited");
            assertThat(stack.post("/v1/tenants/waited/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}").status()).isEqualTo(200);
            assertThat(stack.post("/v1/tenants/waited/tier", TestStack.ADMIN, "{\"tier\":\"cold\"}").status()).isEqualTo(202);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "cold".equals(stack.get("/v1/tenants/waited", TestStack.ADMIN).text("tier")));
            assertThat(stack.call("PUT", "/v1/migrations/wait-set/versions/1", TestStack.ADMIN, "{\"sql\":\"ALTER TABLE t ADD COLUMN c\"}")
                    .status()).isEqualTo(201);
            String runId = stack.post("/v1/migrations/wait-set/runs", TestStack.ADMIN, "{\"tenants\":[\"waited\"]}").text("run_id");
            String runPath = "/v1/migrations/wait-set/runs/" + runId;
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> stack.get(runPath, TestStack.ADMIN).body().path("waiting_for_cold").asInt() == 1);

            // The replica may not hold the tenant yet on a loaded machine (replica_lagging): read again until it does.
            Reply read = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> stack.post("/v1/tenants/waited/query", key,
                    "{\"sql\":\"SELECT name FROM pragma_table_info('t') ORDER BY cid\"}"), r -> !"replica_lagging".equals(r.errorCode()));
            assertThat(read.status()).as(read.body().toString()).isEqualTo(200);
            assertThat(read.text("copy")).as("the replica served it").isEqualTo("replica-a");
            assertThat(read.body().path("rows").toString()).as("the new schema").isEqualTo("[[\"n\"],[\"c\"]]");
            Awaitility.await("the primary thawed, the run done").atMost(Duration.ofSeconds(60)).until(() ->
                    "hot".equals(stack.get("/v1/tenants/waited", TestStack.ADMIN).text("tier"))
                            && stack.get(runPath, TestStack.ADMIN).body().path("applied").asInt() == 1);
            assertThat(stack.get(runPath, TestStack.ADMIN).body().path("waiting_for_cold").asInt()).isZero();
        }
    }

    /** An applier in the replica role over {@code dir}, on the stack's broker, in its own consumer group. */
    private static CairnNode startReplica(TestStack stack, Path dir) throws Exception {
        ApplierConfig config = ApplierConfig.primary(dir).withRole(ApplierConfig.Role.REPLICA, "cairn-replica-a", dir);
        CairnNode node = CairnNode.start(new CairnNode.Spec(config, null, 4, (short) 1), stack.kafkaProperties(), new SimpleMeterRegistry());
        assertThat(node.awaitHealthy(Duration.ofSeconds(60))).as("replica running").isTrue();
        return node;
    }

    private static Reply query(TestStack stack, String tenant, String key, String consistency, String bookmark, Integer timeoutMs)
            throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sql", "SELECT sum(n) FROM t");
        if (consistency != null) body.put("consistency", consistency);
        if (bookmark != null) body.put("bookmark", bookmark);
        if (timeoutMs != null) body.put("timeout_ms", timeoutMs);
        return stack.post("/v1/tenants/" + tenant + "/query", key, json(body));
    }

    private static Reply boundedQuery(TestStack stack, String tenant, String key, long maxLagMs) throws Exception {
        return stack.post("/v1/tenants/" + tenant + "/query", key,
                json(Map.of("sql", "SELECT sum(n) FROM t", "consistency", "eventual", "max_lag_ms", maxLagMs)));
    }
}
