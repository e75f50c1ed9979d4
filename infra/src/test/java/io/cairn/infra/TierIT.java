package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import io.cairn.infra.TestStack.Reply;
import io.cairn.streams.apply.SnapshotOptions;
import io.cairn.streams.tiering.TieringConfig;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Tiers end to end: real broker, applier, materializer (DynamoDB Local) and s3proxy. Tenants go cold by
 * hand and by the tiering job, come back on a read or a write, survive S3 going away, and lose nothing
 * over many freeze/thaw cycles under a write load (a ledger of acknowledged writes).
 */
class TierIT {
    private static final String BUCKET = "cairn-snapshots";
    /** Short, so the tiering job's test does not wait long; every other test acts well within it. */
    private static final Duration COLD_AFTER = Duration.ofSeconds(8);
    /** Cycles of {@link #freezeThawCyclesUnderWritesLoseNothing}; {@code -Dcairn.tier.cycles=1000} for the long run. */
    private static final int CYCLES = Integer.getInteger("cairn.tier.cycles", 40);

    @TempDir static Path data;
    static EmbeddedS3 s3;
    static S3Client client;
    static S3SnapshotStore store;
    static TestStack stack;
    static TenantFiles files;

    @BeforeAll
    static void start() throws Exception {
        s3 = new EmbeddedS3(data.resolve("s3"), BUCKET, Ports.free()).start();
        client = S3Clients.local(s3.endpoint(), s3.accessKey(), s3.secretKey());
        store = new S3SnapshotStore(client, S3SnapshotConfig.of(BUCKET));
        stack = TestStack.startWithControlPlane(data, spec -> spec.withSnapshots(SnapshotOptions.defaults(store))
                .withTiering(TieringConfig.defaults().withColdAfter(COLD_AFTER).withEvery(Duration.ofMillis(500))));
        files = new TenantFiles(data.resolve("hot"));
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
        if (client != null) client.close();
        if (s3 != null) s3.close();
    }

    @Test
    void aFrozenTenantHoldsNothingHotAndIsReadFromItsSnapshotUntilItIsWritten() throws Exception {
        String key = tenantWithRows("frost", 100);
        String hotSum = stack.get("/v1/tenants/frost/checksum", key).text("sha256");
        freeze("frost");
        assertThat(files.exists("frost")).as("hot file removed").isFalse();
        Reply info = stack.get("/v1/tenants/frost", ADMIN);
        assertThat(info.body().path("last_snapshot").path("key").asText()).startsWith("tenants/frost/snapshots/");
        double thaws = stack.count("cairn.tiers.thaws");
        double coldReads = stack.count("cairn.edge.cold.reads");

        Reply read = stack.post("/v1/tenants/frost/query", key, "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}");
        assertThat(read.status()).as(read.body().toString()).isEqualTo(200);
        assertThat(read.body().path("rows").toString()).isEqualTo("[[100,5050]]");
        assertThat(read.text("bookmark")).as("its last record's, where the snapshot is its content too: past the snapshot's %s",
                info.body().path("last_snapshot").path("bookmark").asText()).isEqualTo(info.text("bookmark"));
        assertThat(files.exists("frost")).as("a read leaves it cold").isFalse();
        assertThat(stack.get("/v1/tenants/frost", ADMIN).text("tier")).isEqualTo("cold");
        assertThat(stack.count("cairn.tiers.thaws")).isEqualTo(thaws);
        assertThat(stack.count("cairn.edge.cold.reads")).isEqualTo(coldReads + 1);
        // A checksum too (a fleet's nightly checksums thawed every tenant): the snapshot's content is the tenant's.
        assertThat(stack.get("/v1/tenants/frost/checksum", key).text("sha256")).isEqualTo(hotSum);
        assertThat(files.exists("frost")).as("a checksum leaves it cold").isFalse();
        assertThat(stack.count("cairn.tiers.thaws")).isEqualTo(thaws);

        Reply refused = stack.post("/v1/tenants/frost/query", key, "{\"sql\":\"DELETE FROM t\"}");
        assertThat(refused.status()).as("the read policy applies to snapshot reads too").isEqualTo(400);
        // A snapshot asked of a cold tenant is the one its freeze took (asked of the log, none ever showed).
        Reply snapshot = stack.post("/v1/tenants/frost/snapshots", ADMIN, null);
        assertThat(snapshot.status()).as(snapshot.body().toString()).isEqualTo(200);
        assertThat(snapshot.text("snapshot")).isEqualTo("stored");
        assertThat(snapshot.text("bookmark")).isEqualTo(info.body().path("last_snapshot").path("bookmark").asText());
        assertThat(files.exists("frost")).as("and it stays cold").isFalse();

        Reply back = stack.post("/v1/tenants/frost/tier", ADMIN, "{\"tier\":\"hot\"}");
        assertThat(back.status()).as(back.body().toString()).isEqualTo(200);
        assertThat(files.exists("frost")).isTrue();
        assertThat(stack.count("cairn.tiers.thaws")).isEqualTo(thaws + 1);
        assertThat(stack.post("/v1/tenants/frost/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}").body().path("rows").toString())
                .isEqualTo("[[100]]");
    }

    @Test
    void aWriteToAColdTenantIsAppliedAfterItsThaw() throws Exception {
        String key = tenantWithRows("thaw-write", 10);
        freeze("thaw-write");
        Reply w = stack.post("/v1/tenants/thaw-write/execute", key, "{\"sql\":\"INSERT INTO t VALUES (11)\"}");
        assertThat(w.status()).as(w.body().toString()).isEqualTo(200);
        Reply read = stack.post("/v1/tenants/thaw-write/query", key,
                "{\"sql\":\"SELECT count(*), sum(n) FROM t\",\"bookmark\":\"" + w.text("bookmark") + "\"}");
        assertThat(read.body().path("rows").toString()).isEqualTo("[[11,66]]");
        assertThat(stack.get("/v1/tenants/thaw-write", ADMIN).text("tier")).isEqualTo("hot");
    }

    @Test
    void aFreezeAskedRightAfterTheWriteThatThawedTheTenantIsAppendedNotAnsweredAlreadyCold() throws Exception {
        String key = tenantWithRows("refreeze", 5);
        freeze("refreeze");
        for (int cycle = 0; cycle < 3; cycle++) {
            Reply w = stack.post("/v1/tenants/refreeze/execute", key, "{\"sql\":\"INSERT INTO t VALUES (" + (100 + cycle) + ")\"}");
            assertThat(w.status()).as(w.body().toString()).isEqualTo(200);
            // The write thawed the tenant: the freeze sent at once must be carried out, whatever the directory shows yet.
            freeze("refreeze");
            Reply again = stack.post("/v1/tenants/refreeze/tier", ADMIN, "{\"tier\":\"cold\"}");
            assertThat(again.status()).as(again.body().toString()).isEqualTo(200);
            assertThat(again.text("tier")).isEqualTo("cold");
        }
        // A write acknowledged before it is applied (wait=false) thaws the tenant later: a freeze asked at once is not "already cold".
        Reply early = stack.post("/v1/tenants/refreeze/execute?wait=false", key, "{\"sql\":\"INSERT INTO t VALUES (200)\"}");
        assertThat(early.status()).as(early.body().toString()).isEqualTo(202);
        freeze("refreeze");
        assertThat(stack.post("/v1/tenants/refreeze/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}").body().path("rows").toString())
                .isEqualTo("[[9]]");
    }

    /**
     * A restore and a fork take a snapshot of their own, whose record lands after a freeze asked right then: the
     * freeze is taken again (nothing was written), not dropped with a 202 already answered.
     */
    @Test
    void aFreezeAskedRightAfterARestoreOrAForkGoesThrough() throws Exception {
        String key = tenantWithRows("restored-freeze", 3);
        String point = stack.post("/v1/tenants/restored-freeze/query", key, "{\"sql\":\"SELECT 1\"}").text("bookmark");
        stack.post("/v1/tenants/restored-freeze/execute", key, "{\"sql\":\"INSERT INTO t VALUES (4)\"}");
        Reply restored = stack.post("/v1/tenants/restored-freeze/restore", ADMIN, "{\"bookmark\":\"" + point + "\"}");
        assertThat(restored.status()).as(restored.body().toString()).isEqualTo(200);
        freeze("restored-freeze");
        assertThat(stack.post("/v1/tenants/restored-freeze/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}").body().path("rows").toString())
                .isEqualTo("[[3]]");

        Reply fork = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"forked-freeze\",\"from\":{\"tenant\":\"restored-freeze\"}}");
        assertThat(fork.status()).as(fork.body().toString()).isEqualTo(201);
        freeze("forked-freeze");
        assertThat(stack.post("/v1/tenants/forked-freeze/query", fork.text("api_key"), "{\"sql\":\"SELECT count(*) FROM t\"}").body()
                .path("rows").toString()).isEqualTo("[[3]]");
    }

    @Test
    void manyFirstReadsAtOnceShareOneDownloadAndLeaveTheTenantCold() throws Exception {
        String key = tenantWithRows("crowd", 50);
        freeze("crowd");
        double thaws = stack.count("cairn.tiers.thaws");
        double coldReads = stack.count("cairn.edge.cold.reads");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Reply>> reads = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                reads.add(pool.submit(() -> stack.post("/v1/tenants/crowd/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}")));
            }
            for (Future<Reply> f : reads) {
                Reply r = f.get();
                assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
                assertThat(r.body().path("rows").toString()).isEqualTo("[[50]]");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(stack.count("cairn.edge.cold.reads")).isEqualTo(coldReads + 16);
        assertThat(stack.count("cairn.tiers.thaws")).as("no thaw for reads").isEqualTo(thaws);
        assertThat(files.exists("crowd")).isFalse();
    }

    /**
     * The directory's position of a cold tenant is its Frozen record's, past the snapshot: the records between changed no
     * data, so a read sent with it is served from the snapshot (it thawed the tenant, found from outside). A bookmark past
     * it, a write's, is read from the thawed file.
     */
    @Test
    void aReadWithTheBookmarkOfAColdTenantIsServedFromItsSnapshotAndOnePastItWaitsForTheWrite() throws Exception {
        String key = tenantWithRows("exact", 5);
        freeze("exact");
        String coldAt = stack.get("/v1/tenants/exact", ADMIN).text("bookmark");
        Reply read = stack.post("/v1/tenants/exact/query", key, "{\"sql\":\"SELECT count(*) FROM t\",\"bookmark\":\"" + coldAt + "\"}");
        assertThat(read.status()).as(read.body().toString()).isEqualTo(200);
        assertThat(read.body().path("rows").toString()).isEqualTo("[[5]]");
        assertThat(read.text("bookmark")).as("the bookmark it was sent with, never an earlier one").isEqualTo(coldAt);
        assertThat(files.exists("exact")).as("left cold").isFalse();

        Reply write = stack.post("/v1/tenants/exact/execute?wait=false", key, "{\"sql\":\"INSERT INTO t (n) VALUES (6)\"}");
        assertThat(write.status()).as(write.body().toString()).isEqualTo(202);
        Reply after = stack.post("/v1/tenants/exact/query", key, "{\"sql\":\"SELECT count(*) FROM t\",\"bookmark\":\"" + write.text("bookmark") + "\"}");
        assertThat(after.status()).as(after.body().toString()).isEqualTo(200);
        assertThat(after.body().path("rows").toString()).isEqualTo("[[6]]");
        assertThat(offset(after.text("bookmark"))).isGreaterThanOrEqualTo(offset(write.text("bookmark")));
        assertThat(files.exists("exact")).isTrue();
    }

    @Test
    void withS3AwayAFreezeWaitsAndTheTenantStaysHotAndWritable() throws Exception {
        String key = tenantWithRows("gale", 5);
        s3.close();
        try {
            Reply asked = stack.post("/v1/tenants/gale/tier", ADMIN, "{\"tier\":\"cold\"}");
            assertThat(asked.status()).as(asked.body().toString()).isEqualTo(202);
            for (int i = 6; i <= 10; i++) {
                assertThat(stack.post("/v1/tenants/gale/execute", key, "{\"sql\":\"INSERT INTO t VALUES (" + i + ")\"}").status())
                        .isEqualTo(200);
            }
            assertThat(stack.post("/v1/tenants/gale/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}").body().path("rows").toString())
                    .isEqualTo("[[10]]");
            assertThat(stack.get("/v1/tenants/gale", ADMIN).text("tier")).isEqualTo("hot");
            assertThat(files.exists("gale")).isTrue();
        } finally {
            s3.start();
        }
        // The snapshotter retries; its copy, taken once S3 is back, holds the writes made meanwhile.
        awaitTier("gale", "cold", Duration.ofSeconds(60));
        assertThat(stack.post("/v1/tenants/gale/query", key, "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}").body().path("rows").toString())
                .isEqualTo("[[10,55]]");
    }

    @Test
    void anIdleTenantGoesColdByItselfWhileABusyOneStaysHot() throws Exception {
        String idleKey = tenantWithRows("sleepy", 3);
        String busyKey = tenantWithRows("lively", 3);
        // Every poll reads the busy tenant too: it is read four times a second while the idle one goes cold.
        await("sleepy going cold").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            assertThat(stack.post("/v1/tenants/lively/query", busyKey, "{\"sql\":\"SELECT count(*) FROM t\"}").status()).isEqualTo(200);
            return "cold".equals(stack.get("/v1/tenants/sleepy", ADMIN).text("tier"));
        });
        assertThat(stack.get("/v1/tenants/lively", ADMIN).text("tier")).isEqualTo("hot");
        assertThat(stack.count("cairn.tiers.freezes.requested")).isGreaterThanOrEqualTo(1);
        assertThat(stack.post("/v1/tenants/sleepy/query", idleKey, "{\"sql\":\"SELECT sum(n) FROM t\"}").body().path("rows").toString())
                .isEqualTo("[[6]]");
    }

    /**
     * The tiering job judges idleness by the control plane's last access, which may trail the log (the first round after a
     * restart froze tenants written every second, outside probe). Its Freeze names its cut-off: a tenant written since stays hot.
     */
    @Test
    void aFreezeTheTieringJobAskedOnAStaleViewLeavesATenantWrittenSinceHot() throws Exception {
        tenantWithRows("stale-view", 3);
        long staleAt = staleFreeze("stale-view", System.currentTimeMillis() - 60_000);
        freeze("stale-view"); // an operator's, after it: this one freezes
        long snapshotAt = offset(stack.get("/v1/tenants/stale-view", ADMIN).body().path("last_snapshot").path("bookmark").asText());
        assertThat(snapshotAt).as("frozen by the operator's Freeze, not by the stale one at %d", staleAt).isGreaterThan(staleAt);
    }

    /**
     * Reads are not in the log: the tiering job hears of them from the edges' reports, every 10 s. A tenant thawed for a read
     * was frozen again 9 s later (outside probe). The Thaw is a use the applier sees at once: a Freeze asked on a view from
     * before it leaves the tenant hot.
     */
    @Test
    void aFreezeTheTieringJobAskedOnAStaleViewLeavesATenantThawedSinceHot() throws Exception {
        tenantWithRows("read-thawed", 3);
        freeze("read-thawed");
        long idleSince = System.currentTimeMillis(); // after its last write: idle since by that alone
        Reply back = stack.post("/v1/tenants/read-thawed/tier", ADMIN, "{\"tier\":\"hot\"}"); // the Thaw a read of it appends
        assertThat(back.status()).as(back.body().toString()).isEqualTo(200);
        long staleAt = staleFreeze("read-thawed", idleSince);
        freeze("read-thawed");
        long snapshotAt = offset(stack.get("/v1/tenants/read-thawed", ADMIN).body().path("last_snapshot").path("bookmark").asText());
        assertThat(snapshotAt).as("frozen by the operator's Freeze, not by the stale one at %d", staleAt).isGreaterThan(staleAt);
    }

    /** Appends the Freeze the tiering job asks of a tenant it found idle since {@code idleBeforeMs}; returns its offset. */
    private static long staleFreeze(String tenant, long idleBeforeMs) throws Exception {
        io.cairn.topics.avro.TenantCommand stale = io.cairn.topics.avro.TenantCommand.newBuilder().setCommandId("freeze-stale-" + tenant)
                .setTenant(tenant).setIngressTimeMs(System.currentTimeMillis()).setSeed(0).setIdempotencyKey(null)
                .setPayload(io.cairn.topics.avro.Freeze.newBuilder().setIdleBeforeMs(idleBeforeMs).build()).build();
        try (var log = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(stack.kafkaProperties(),
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            return log.send(new org.apache.kafka.clients.producer.ProducerRecord<>(io.cairn.topics.TopicCatalog.TENANT_LOG, tenant,
                    io.cairn.topics.Serdes.COMMAND.encode(stale))).get().offset();
        }
    }

    @Test
    void aColdTenantCanBeDeletedAndItsNameUsedAgain() throws Exception {
        tenantWithRows("gone", 3);
        freeze("gone");
        Reply deleted = stack.call("DELETE", "/v1/tenants/gone", ADMIN, null);
        assertThat(deleted.status()).as(deleted.body().toString()).isEqualTo(200);
        assertThat(stack.get("/v1/tenants/gone", ADMIN).status()).isEqualTo(404);
        String key = stack.createTenant("gone");
        Reply r = stack.post("/v1/tenants/gone/query", key, "{\"sql\":\"SELECT count(*) FROM sqlite_schema WHERE name = 't'\"}");
        assertThat(r.body().path("rows").toString()).as("a new tenant, not the old one thawed").isEqualTo("[[0]]");
    }

    @Test
    void theTierRouteChecksItsCaller() throws Exception {
        String key = tenantWithRows("guard", 1);
        assertThat(stack.post("/v1/tenants/guard/tier", key, "{\"tier\":\"cold\"}").status()).isEqualTo(403);
        Reply bad = stack.post("/v1/tenants/guard/tier", ADMIN, "{\"tier\":\"frozen\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorCode()).isEqualTo("invalid_request");
        assertThat(stack.post("/v1/tenants/nobody/tier", ADMIN, "{\"tier\":\"cold\"}").status()).isEqualTo(404);
        Reply hot = stack.post("/v1/tenants/guard/tier", ADMIN, "{\"tier\":\"hot\"}");
        assertThat(hot.status()).as("already hot").isEqualTo(200);
        freeze("guard");
        Reply back = stack.post("/v1/tenants/guard/tier", ADMIN, "{\"tier\":\"hot\"}");
        assertThat(back.status()).as(back.body().toString()).isEqualTo(200);
        assertThat(files.exists("guard")).isTrue();
    }

    /**
     * Freeze/thaw cycles of three tenants while a writer keeps writing to them: every acknowledged write
     * is there at the end, exactly once, and the tenants end where the ledger says.
     */
    @Test
    void freezeThawCyclesUnderWritesLoseNothing() throws Exception {
        List<String> tenants = List.of("cycle-a", "cycle-b", "cycle-c");
        List<String> keys = new ArrayList<>();
        for (String t : tenants) keys.add(tenantWithRows(t, 0));
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        Thread writer = Thread.ofPlatform().start(() -> {
            int n = 0;
            while (!stop.get()) {
                int i = n % tenants.size();
                int value = 1_000 + n++;
                try {
                    Reply w = stack.post("/v1/tenants/" + tenants.get(i) + "/execute", keys.get(i), "{\"sql\":\"INSERT INTO t VALUES (" + value + ")\"}");
                    if (w.status() == 200) acknowledged.add(tenants.get(i) + ":" + value);
                    else failures.incrementAndGet();
                    Thread.sleep(20); // the write load's pace
                } catch (Exception e) {
                    failures.incrementAndGet();
                }
            }
        });
        int cold = 0;
        try {
            for (int c = 0; c < CYCLES; c++) {
                String t = tenants.get(c % tenants.size());
                Reply asked = stack.post("/v1/tenants/" + t + "/tier", ADMIN, "{\"tier\":\"cold\"}");
                assertThat(asked.status()).as(asked.body().toString()).isIn(200, 202);
                // Either it went cold, or a write came after its snapshot and it stayed hot: both are correct.
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                        .until(() -> settled(t, asked));
                if ("cold".equals(stack.get("/v1/tenants/" + t, ADMIN).text("tier"))) cold++;
                Reply read = stack.post("/v1/tenants/" + t + "/query", keys.get(c % tenants.size()), "{\"sql\":\"SELECT count(*) FROM t\"}");
                assertThat(read.status()).as(read.body().toString()).isEqualTo(200);
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(failures.get()).as("writes refused during the cycles").isZero();
        assertThat(cold).as("cycles that went cold").isGreaterThan(0);
        for (int i = 0; i < tenants.size(); i++) {
            Reply all = stack.post("/v1/tenants/" + tenants.get(i) + "/query", keys.get(i), "{\"sql\":\"SELECT n FROM t ORDER BY n\"}");
            Set<String> stored = new java.util.HashSet<>();
            int rows = 0;
            for (var row : all.body().path("rows")) {
                stored.add(tenants.get(i) + ":" + row.get(0).asLong());
                rows++;
            }
            assertThat(rows).as("no write doubled in %s", tenants.get(i)).isEqualTo(stored.size());
            String t = tenants.get(i);
            assertThat(stored).as("every acknowledged write of %s", t)
                    .containsAll(acknowledged.stream().filter(a -> a.startsWith(t + ":")).toList());
        }
    }

    /** The freeze asked by {@code asked} was applied one way or the other: cold, or hot past its Frozen. */
    private static boolean settled(String tenant, Reply asked) throws Exception {
        if (asked.status() == 200) return true;
        Reply info = stack.get("/v1/tenants/" + tenant, ADMIN);
        if ("cold".equals(info.text("tier"))) return true;
        String snapshot = info.body().path("last_snapshot").path("bookmark").asText("");
        return !snapshot.isEmpty() && offset(snapshot) >= offset(asked.text("bookmark"));
    }

    private static String tenantWithRows(String tenant, int rows) throws Exception {
        String key = stack.createTenant(tenant);
        stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER PRIMARY KEY)\"}");
        if (rows > 0) {
            Reply w = stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL"
                    + " SELECT n + 1 FROM c WHERE n < " + rows + ") INSERT INTO t SELECT n FROM c\"}");
            assertThat(w.status()).as(w.body().toString()).isEqualTo(200);
        }
        return key;
    }

    private static void freeze(String tenant) throws Exception {
        Reply asked = stack.post("/v1/tenants/" + tenant + "/tier", ADMIN, "{\"tier\":\"cold\"}");
        assertThat(asked.status()).as(asked.body().toString()).isEqualTo(202);
        assertThat(asked.text("requested")).isEqualTo("cold");
        awaitTier(tenant, "cold", Duration.ofSeconds(30));
    }

    private static void awaitTier(String tenant, String tier, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(50))
                .until(() -> tier.equals(stack.get("/v1/tenants/" + tenant, ADMIN).text("tier")));
    }

    static long offset(String bookmark) {
        return Long.parseLong(bookmark.substring(bookmark.indexOf(':') + 1));
    }
}
