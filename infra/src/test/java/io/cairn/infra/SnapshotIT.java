package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import io.cairn.infra.TestStack.Reply;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.streams.apply.ReplayProgress;
import io.cairn.streams.apply.SnapshotOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** Snapshots end to end: real broker, real applier, real s3proxy, taken away and brought back. */
class SnapshotIT {
    private static final String BUCKET = "cairn-snapshots";
    /** The policy's count here: no other test of this class writes this much to one tenant. */
    private static final int POLICY_WRITES = 50;

    @TempDir static Path data;
    static EmbeddedS3 s3;
    static S3Client client;
    static S3SnapshotStore store;
    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        s3 = new EmbeddedS3(data.resolve("s3"), BUCKET, Ports.free()).start();
        client = S3Clients.local(s3.endpoint(), s3.accessKey(), s3.secretKey());
        store = new S3SnapshotStore(client, S3SnapshotConfig.of(BUCKET));
        // No spread (SnapshotRetentionTest covers it): the newest five, as the retention test below counts.
        stack = TestStack.startWith(data, spec ->
                spec.withSnapshots(new SnapshotOptions(store, POLICY_WRITES, 64L << 20, 5, SnapshotOptions.DEFAULT_RESTORE_WINDOW, 0)));
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
        if (client != null) client.close();
        if (s3 != null) s3.close();
    }

    @Test
    void anAdminSnapshotIsStoredShownAndHoldsEveryWriteBeforeIt() throws Exception {
        String key = stack.createTenant("snap");
        stack.post("/v1/tenants/snap/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        Reply w = stack.post("/v1/tenants/snap/execute", key,
                "{\"sql\":\"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000) INSERT INTO t SELECT n FROM c\"}");
        assertThat(w.status()).isEqualTo(200);
        long written = offset(w.text("bookmark"));

        assertThat(stack.post("/v1/tenants/snap/snapshots", key, null).status()).as("a tenant key may not").isEqualTo(403);
        assertThat(stack.post("/v1/tenants/snap/snapshots", ADMIN, "{\"bookmark\":\"1:5\"}").errorCode())
                .as("a body the request would ignore is refused, not ignored").isEqualTo("invalid_request");
        assertThat(stack.post("/v1/tenants/snap/snapshots", ADMIN, "not json").errorCode()).isEqualTo("invalid_json");
        Reply asked = stack.post("/v1/tenants/snap/snapshots", ADMIN, null);
        assertThat(asked.status()).as(asked.body().toString()).isEqualTo(202);
        assertThat(asked.text("snapshot")).isEqualTo("requested");

        JsonNode shown = awaitSnapshot("snap", offset(asked.text("bookmark")));
        assertThat(offset(shown.path("bookmark").asText())).isGreaterThan(written);
        SnapshotInfo stored = store.latest("snap").orElseThrow();
        assertThat(shown.path("sha256").asText()).isEqualTo(stored.sha256());
        assertThat(shown.path("size_bytes").asLong()).isEqualTo(stored.sizeBytes());
        assertThat(shown.path("stored_bytes").asLong()).isEqualTo(stored.storedBytes()).isLessThan(stored.sizeBytes());

        Path copy = data.resolve("snap-copy.db");
        store.download("snap", stored.offset(), copy).orElseThrow();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy);
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*), sum(n) FROM t")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1_000);
            assertThat(rs.getLong(2)).isEqualTo(500_500);
        }
        assertThat(stack.count("cairn.snapshots.taken")).isGreaterThanOrEqualTo(1);
    }

    /**
     * A listing of a tenant's snapshots is a LIST and a HEAD per snapshot on the store's connections, which every
     * tenant's cold reads and thaws share: it runs in one of the tenant's turns (the edge's ReadTurns). With all
     * of one tenant's turns taken, its listings wait; another tenant's do not.
     */
    @Test
    void aTenantsListingsOfItsSnapshotsWaitForItsTurnsAndNoOtherTenantsDo() throws Exception {
        String greedy = stack.createTenant("list-greedy");
        String other = stack.createTenant("list-other");
        int turns = Math.max(1, io.cairn.edge.VirtualThreadCarriers.count() / 2);
        java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(turns);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < turns; i++) {
                pool.submit(() -> io.cairn.edge.read.ReadTurns.SHARED.call("list-greedy", () -> {
                    taken.countDown();
                    return release.await(60, java.util.concurrent.TimeUnit.SECONDS);
                }));
            }
            assertThat(taken.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            var listing = pool.submit(() -> stack.get("/v1/tenants/list-greedy/snapshots", greedy));
            var history = pool.submit(() -> stack.get("/v1/tenants/list-greedy/history", greedy));
            for (int i = 0; i < 3; i++) {
                assertThat(stack.get("/v1/tenants/list-other/snapshots", other).status()).isEqualTo(200);
                assertThat(stack.get("/v1/tenants/list-other/history", other).status()).isEqualTo(200);
            }
            assertThat(listing.isDone()).as("the greedy tenant's listing waits for one of its turns").isFalse();
            assertThat(history.isDone()).as("and so does its history").isFalse();
            release.countDown();
            assertThat(listing.get(30, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(history.get(30, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
        }
    }

    @Test
    void aBusyTenantIsSnapshottedWithoutAnyoneAsking() throws Exception {
        String key = stack.createTenant("busy");
        stack.post("/v1/tenants/busy/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        for (int i = 0; i < POLICY_WRITES; i++) {
            assertThat(stack.post("/v1/tenants/busy/execute", key, "{\"sql\":\"INSERT INTO t VALUES (" + i + ")\"}").status())
                    .isEqualTo(200);
        }
        JsonNode shown = awaitSnapshot("busy", 0);
        assertThat(store.latest("busy").orElseThrow().sha256()).isEqualTo(shown.path("sha256").asText());
    }

    @Test
    void onlyTheNewestFiveSnapshotsAreKept() throws Exception {
        String key = stack.createTenant("kept");
        stack.post("/v1/tenants/kept/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        for (int i = 0; i < 7; i++) {
            stack.post("/v1/tenants/kept/execute", key, "{\"sql\":\"INSERT INTO t VALUES (" + i + ")\"}");
            Reply asked = stack.post("/v1/tenants/kept/snapshots", ADMIN, null);
            awaitSnapshot("kept", offset(asked.text("bookmark")));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> store.list("kept").size() == 5);
        assertThat(store.latest("kept").orElseThrow().offset())
                .isEqualTo(offset(stack.get("/v1/tenants/kept", ADMIN).body().path("last_snapshot").path("bookmark").asText()));

        Reply listed = stack.get("/v1/tenants/kept/snapshots", key);
        assertThat(listed.status()).as(listed.body().toString()).isEqualTo(200);
        JsonNode snapshots = listed.body().path("snapshots");
        assertThat(snapshots).hasSize(5);
        assertThat(offset(snapshots.get(0).path("bookmark").asText())).as("newest first").isEqualTo(store.latest("kept").orElseThrow().offset());
        assertThat(offset(snapshots.get(4).path("bookmark").asText())).isLessThan(offset(snapshots.get(0).path("bookmark").asText()));
        String other = stack.createTenant("other");
        assertThat(stack.get("/v1/tenants/kept/snapshots", other).status()).as("another tenant's key").isEqualTo(403);
    }

    @Test
    void withS3AwayWritesGoOnAndTheSnapshotLandsWhenItReturns() throws Exception {
        String key = stack.createTenant("outage");
        stack.post("/v1/tenants/outage/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        s3.close();
        try {
            Reply asked = stack.post("/v1/tenants/outage/snapshots", ADMIN, null);
            assertThat(asked.status()).as(asked.body().toString()).isEqualTo(202);
            for (int i = 0; i < 20; i++) {
                assertThat(stack.post("/v1/tenants/outage/execute", key, "{\"sql\":\"INSERT INTO t VALUES (" + i + ")\"}").status())
                        .isEqualTo(200);
            }
            Reply info = stack.get("/v1/tenants/outage", ADMIN);
            assertThat(info.body().path("last_snapshot").isNull()).as("no snapshot while S3 is away").isTrue();
        } finally {
            s3.start();
        }
        JsonNode shown = awaitSnapshot("outage", 0);
        assertThat(store.latest("outage").orElseThrow().sha256()).isEqualTo(shown.path("sha256").asText());
    }

    /**
     * Two tenants whose uploads keep failing (the store answers 500 for their objects) held both snapshot workers in
     * their backoff, and every other tenant's snapshots and freezes waited up to ten minutes. Between attempts they
     * now hold none.
     */
    @Test
    void tenantsWhoseUploadsKeepFailingDoNotHoldBackAnotherTenantsSnapshot() throws Exception {
        for (String t : List.of("stuck-a", "stuck-b")) {
            String key = stack.createTenant(t);
            stack.post("/v1/tenants/" + t + "/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
            // A file where s3proxy keeps the tenant's objects: every put of its snapshots fails on the server, 500.
            Path blocked = data.resolve("s3").resolve(BUCKET).resolve("tenants").resolve(t);
            Files.createDirectories(blocked.getParent());
            Files.writeString(blocked, "in the way");
            assertThat(stack.post("/v1/tenants/" + t + "/snapshots", ADMIN, null).status()).isEqualTo(202);
        }
        String key = stack.createTenant("unblocked");
        stack.post("/v1/tenants/unblocked/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        assertThat(stack.post("/v1/tenants/unblocked/snapshots", ADMIN, null).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> stack.get("/v1/tenants/unblocked", ADMIN).body().path("last_snapshot").isObject());
        assertThat(stack.get("/v1/tenants/stuck-a", ADMIN).body().path("last_snapshot").isNull()).as("still failing").isTrue();
        for (String t : List.of("stuck-a", "stuck-b")) Files.delete(data.resolve("s3").resolve(BUCKET).resolve("tenants").resolve(t));
    }

    @Test
    void aLostFileIsRebuiltFromItsSnapshotAndTheLogAfterIt() throws Exception {
        String key = seedWithSnapshot("heal");
        double seededBefore = stack.count("cairn.snapshots.seeded");
        loseFile("heal");

        assertThat(readUntilServed("heal", key)).isEqualTo("[[1005,505515]]");
        assertThat(stack.count("cairn.snapshots.seeded")).isEqualTo(seededBefore + 1);
    }

    @Test
    void aCorruptSnapshotIsPassedOverAndTheLogRebuildsTheTenant() throws Exception {
        String key = seedWithSnapshot("rot");
        SnapshotInfo stored = store.latest("rot").orElseThrow();
        Path object;
        try (var files = Files.walk(data.resolve("s3").resolve(BUCKET))) {
            object = files.filter(p -> p.toString().contains("rot") && Files.isRegularFile(p)).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(object);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(object, bytes);
        double corruptBefore = stack.count("cairn.snapshots.corrupt");
        loseFile("rot");

        assertThat(readUntilServed("rot", key)).isEqualTo("[[1005,505515]]");
        assertThat(stack.count("cairn.snapshots.corrupt")).as("snapshot at %d", stored.offset()).isEqualTo(corruptBefore + 1);
    }

    @Test
    void aRebuildStartsEachTenantFromItsNewestSnapshotAndMatchesTheLiveFiles() throws Exception {
        seedWithSnapshot("rb-snap");
        String plain = stack.createTenant("rb-plain");
        stack.post("/v1/tenants/rb-plain/execute", plain, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        assertThat(stack.post("/v1/tenants/rb-plain/execute", plain, "{\"sql\":\"INSERT INTO t VALUES (1)\"}").status()).isEqualTo(200);

        Path rebuilt = data.resolve("rebuilt");
        ReplayProgress done = new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt))
                .withSnapshots(store, new SimpleMeterRegistry()).replayAll(t -> t.startsWith("rb-"), p -> { });
        assertThat(done.seeded()).as("rb-snap started from its snapshot, rb-plain from the log").isEqualTo(1);
        // rb-snap: its create, table and 1,000-row insert are in the snapshot; 5 inserts and SnapshotTaken come after.
        assertThat(done.applied()).isLessThan(12);
        for (String t : List.of("rb-snap", "rb-plain")) {
            assertThat(TestStack.fileChecksum(rebuilt, t)).as(t).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), t));
        }
    }


    /** 1,000 rows, a snapshot of them, then 5 rows more that only the log holds. */
    private static String seedWithSnapshot(String tenant) throws Exception {
        String key = stack.createTenant(tenant);
        stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        stack.post("/v1/tenants/" + tenant + "/execute", key,
                "{\"sql\":\"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000) INSERT INTO t SELECT n FROM c\"}");
        Reply asked = stack.post("/v1/tenants/" + tenant + "/snapshots", ADMIN, null);
        awaitSnapshot(tenant, offset(asked.text("bookmark")));
        for (int i = 1001; i <= 1005; i++) {
            assertThat(stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"INSERT INTO t VALUES (" + i + ")\"}").status())
                    .isEqualTo(200);
        }
        return key;
    }

    private static void loseFile(String tenant) throws Exception {
        Path file = new TenantFiles(data.resolve("hot")).database(tenant);
        for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(file + suffix));
    }

    /** Reads count and sum until served (only 503 tenant_recovering may come first). */
    private static String readUntilServed(String tenant, String key) {
        return await().atMost(Duration.ofSeconds(90)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200)).until(() -> {
            Reply r = stack.post("/v1/tenants/" + tenant + "/query", key, "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}");
            if (r.status() != 200 && r.status() != 503) throw new AssertionError("answered " + r.status() + " " + r.body());
            return r.status() == 200 ? r.body().path("rows").toString() : null;
        }, rows -> rows != null);
    }

    private static JsonNode awaitSnapshot(String tenant, long notBefore) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode s = stack.get("/v1/tenants/" + tenant, ADMIN).body().path("last_snapshot");
            return s.isObject() && offset(s.path("bookmark").asText()) >= notBefore - 1 ? s : null;
        }, s -> s != null);
    }

    private static long offset(String bookmark) {
        return Long.parseLong(bookmark.substring(bookmark.indexOf(':') + 1));
    }
}
