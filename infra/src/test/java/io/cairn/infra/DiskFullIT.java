package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static io.cairn.infra.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.cairn.devstack.EmbeddedKafka;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.infra.TestStack.Reply;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A full disk is an error, not a crash: the hot volume is a small tmpfs (mounted by the test; it needs
 * root and mount rights, and is skipped, saying so, without them) that a tenant fills. Writes get 503
 * {@code storage_full} and apply nothing, reads go on, the process stays up; when space is freed,
 * writes are accepted again by themselves, and every acknowledged write is there exactly once.
 */
@Tag("fault")
class DiskFullIT {
    private static final long VOLUME_MIB = 48;
    private static final long BALLAST_MIB = 12;
    private static final long MIN_FREE_MIB = 6;
    private static final long KAFKA_VOLUME_MIB = 96;

    @TempDir Path data;
    /** The applier's errors: a replaced thread names what failed it. */
    private final ListAppender<ILoggingEvent> applierErrors = new ListAppender<>();

    @BeforeEach
    void listenToTheApplier() {
        applierErrors.start();
        ((Logger) LoggerFactory.getLogger("io.cairn.streams.apply.Applier")).addAppender(applierErrors);
    }

    @AfterEach
    void stopListening() {
        ((Logger) LoggerFactory.getLogger("io.cairn.streams.apply.Applier")).detachAppender(applierErrors);
    }

    /** What failed the applier threads that were replaced, for an assertion's message. */
    private String replacedFor() {
        return applierErrors.list.stream().filter(e -> e.getThrowableProxy() != null)
                .map(e -> e.getMessage() + ": " + e.getThrowableProxy().getClassName() + ": " + e.getThrowableProxy().getMessage()
                        + (e.getThrowableProxy().getCause() == null ? "" : " / " + e.getThrowableProxy().getCause().getMessage()))
                .toList().toString();
    }

    @Test
    void writesGetStorageFullWhileTheVolumeIsFullAndResumeWhenSpaceReturns() throws Exception {
        Path volume = data.resolve("hotfs");
        Files.createDirectories(volume);
        Assumptions.assumeTrue(Tmpfs.mount(volume, VOLUME_MIB), "DiskFullIT skipped: mounting a tmpfs needs root and mount rights here");
        try {
            Path ballast = volume.resolve("ballast");
            Files.write(ballast, new byte[(int) (BALLAST_MIB << 20)]);
            try (TestStack stack = TestStack.start(data, volume.resolve("hot"), edge -> edge.withMinFreeHotBytes(MIN_FREE_MIB << 20))) {
                String key = stack.createTenant("filler");
                stack.createTenant("dropme");
                assertThat(stack.post("/v1/tenants/filler/execute", key, "{\"sql\":\"CREATE TABLE t (seq INTEGER UNIQUE, pad BLOB)\"}")
                        .status()).isEqualTo(200);

                Set<Long> acknowledged = new HashSet<>();
                List<String> wrong = new ArrayList<>();
                long seq = 0;
                int refused = 0;
                while (refused < 3 && seq < 120) {
                    Reply r = write(stack, key, seq);
                    if (r.status() == 200) acknowledged.add(seq);
                    else if (r.status() == 503 && r.errorCode().equals("storage_full")) refused++;
                    else if (r.status() != 504) wrong.add(seq + ": " + r.status() + " " + r.body());
                    seq++;
                }
                assertThat(refused).as("writes refused as storage_full before %d writes", seq).isEqualTo(3);
                assertThat(wrong).as("answers other than 200, 503 storage_full or 504").isEmpty();
                Reply read = stack.post("/v1/tenants/filler/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}");
                assertThat(read.status()).as("reads go on").isEqualTo(200);
                Reply health = stack.get("/health", null);
                assertThat(health.status()).as("the edge still serves: a load balancer keeps it").isEqualTo(200);
                assertThat(health.body().path("status").asText()).as("not ok: writes are refused").isEqualTo("degraded");
                assertThat(health.body().path("degraded").toString()).contains("storage");
                assertThat(health.body().path("details").path("storage").path("writes").asText()).isEqualTo("refused: storage_full");
                assertThat(health.body().path("details").path("storage").path("free_bytes").asLong()).isLessThan(MIN_FREE_MIB << 20);

                // A delete frees space: still taken (200; or 504 when the applier waits out the full volume behind writes taken
                // before the refusals: it is in the log, and carried out once there is space), never refused as storage_full.
                Reply dropped = stack.call("DELETE", "/v1/tenants/dropme", ADMIN, null);
                assertThat(dropped.status()).as(dropped.body().toString()).isIn(200, 504);

                Files.delete(ballast);
                long next = seq;
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> write(stack, key, next).status() == 200);
                acknowledged.add(next);
                assertThat(stack.get("/health", null).body().path("details").has("storage")).as("gone once writes are taken").isFalse();
                await().atMost(Duration.ofSeconds(30)).until(() -> stack.get("/v1/tenants/dropme", ADMIN).status() == 404);

                Reply rows = stack.post("/v1/tenants/filler/query", key, "{\"sql\":\"SELECT seq FROM t ORDER BY seq\"}");
                Set<Long> stored = new HashSet<>();
                rows.body().path("rows").forEach(row -> assertThat(stored.add(row.get(0).asLong())).as("stored once").isTrue());
                assertThat(stored).as("every acknowledged write applied").containsAll(acknowledged);
                assertThat(stack.count("cairn.applier.thread.replacements")).as(replacedFor()).isZero();
            }
        } finally {
            Tmpfs.unmount(volume);
        }
    }

    @Test
    void theApplierWaitsOutAFullDiskAndAppliesOnceSpaceReturns() throws Exception {
        Path volume = data.resolve("hotfs");
        Files.createDirectories(volume);
        Assumptions.assumeTrue(Tmpfs.mount(volume, VOLUME_MIB), "DiskFullIT skipped: mounting a tmpfs needs root and mount rights here");
        try (TestStack stack = TestStack.start(data, volume.resolve("hot"), edge -> edge.withMinFreeHotBytes(0))) {
            String key = stack.createTenant("filler");
            assertThat(stack.post("/v1/tenants/filler/execute", key, "{\"sql\":\"CREATE TABLE t (seq INTEGER UNIQUE, pad BLOB)\"}")
                    .status()).isEqualTo(200);
            // The volume fills up behind the edge's back (another process, a runaway log): nothing is left.
            Path filler = volume.resolve("filler");
            try (var out = Files.newOutputStream(filler)) {
                byte[] chunk = new byte[1 << 20];
                while (true) out.write(chunk);
            } catch (IOException full) {
                // no space left: as intended
            }
            Reply accepted = stack.call("POST", "/v1/tenants/filler/execute?wait=false", key,
                    json(Map.of("sql", "INSERT INTO t VALUES (1, randomblob(400000))")), Map.of());
            assertThat(accepted.status()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(30)).until(() -> stack.registry().find("cairn.applier.failures").tag("kind", "machine")
                    .counters().stream().mapToDouble(c -> c.count()).sum() > 0);
            // An operator sees the stall, and why, without the check failing (reads go on).
            await().atMost(Duration.ofSeconds(30)).until(() -> stack.get("/health", null).body().path("details").has("applier"));
            Reply stalled = stack.get("/health", null);
            assertThat(stalled.status()).isEqualTo(200);
            assertThat(stalled.body().path("status").asText()).as("not ok: no write is applied").isEqualTo("degraded");
            assertThat(stalled.body().path("details").path("applier").path("failure").asText()).isNotEmpty().doesNotContain("filler");
            assertThat(stalled.body().path("details").path("applier").path("retrying_ms").asLong()).isNotNegative();
            assertThat(stack.registry().get("cairn.applier.retrying").timeGauge().value()).isPositive();

            Files.delete(filler);
            Reply read = stack.post("/v1/tenants/filler/query", key, json(Map.of("sql", "SELECT count(*) FROM t",
                    "bookmark", accepted.text("bookmark"), "timeout_ms", 30_000)));
            assertThat(read.status()).as(read.body().toString()).isEqualTo(200);
            assertThat(read.body().path("rows").get(0).get(0).asLong()).isEqualTo(1);
            assertThat(stack.count("cairn.applier.thread.replacements")).as("waited out, not replaced: %s", replacedFor()).isZero();
            // Over once the lane's retry commits (the read may see the row a moment before the lane has finished with it).
            await().atMost(Duration.ofSeconds(30)).until(() -> !stack.get("/health", null).body().path("details").has("applier"));
            assertThat(stack.registry().get("cairn.applier.retrying").timeGauge().value()).isZero();
        } finally {
            Tmpfs.unmount(volume);
        }
    }

    /**
     * The broker's log on a volume that fills: Kafka takes its log directory offline for good, so the embedded
     * broker is stopped and started again once there is room, and writes resume without restarting the process.
     * Reads go on meanwhile; every write acknowledged before, during and after is stored exactly once.
     */
    @Test
    void aBrokerWhoseLogVolumeFilledIsRestartedOnceSpaceReturnsAndWritesResume() throws Exception {
        Path volume = data.resolve("kafka");
        Files.createDirectories(volume);
        Assumptions.assumeTrue(Tmpfs.mount(volume, KAFKA_VOLUME_MIB), "DiskFullIT skipped: mounting a tmpfs needs root and mount rights here");
        try (TestStack stack = TestStack.start(data)) {
            String key = stack.createTenant("ledger");
            assertThat(stack.post("/v1/tenants/ledger/execute", key, "{\"sql\":\"CREATE TABLE t (seq INTEGER, pad BLOB)\"}")
                    .status()).isEqualTo(200);
            Set<Long> acknowledged = new HashSet<>();
            AtomicLong seq = new AtomicLong();
            for (long s = 0; s < 5; s++) {
                assertThat(ledgerWrite(stack, key, s, true).status()).isEqualTo(200);
                acknowledged.add(s);
            }
            seq.set(5);

            Path filler = volume.resolve("filler");
            try (var out = Files.newOutputStream(filler)) {
                byte[] chunk = new byte[1 << 20];
                while (true) out.write(chunk);
            } catch (IOException full) {
                // no space left: as intended
            }
            // Writes go on coming; one of the broker's appends meets the full volume and its log directory fails.
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).until(() -> {
                long s = seq.getAndIncrement();
                if (ledgerWrite(stack, key, s, false).status() == 202) acknowledged.add(s);
                return EmbeddedKafka.failure() != null;
            });
            Reply read = stack.post("/v1/tenants/ledger/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}");
            assertThat(read.status()).as("reads go on: %s", read.body()).isEqualTo(200);

            Files.delete(filler);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .until(() -> EmbeddedKafka.failure() == null && stack.kafka().restarts() == 1);
            AtomicReference<String> bookmark = new AtomicReference<>();
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
                long s = seq.getAndIncrement();
                Reply r = ledgerWrite(stack, key, s, true);
                if (r.status() != 200) return false;
                acknowledged.add(s);
                bookmark.set(r.text("bookmark"));
                return true;
            });

            Reply rows = stack.post("/v1/tenants/ledger/query", key, json(Map.of("sql", "SELECT seq, count(*) FROM t GROUP BY seq",
                    "bookmark", bookmark.get(), "timeout_ms", 30_000)));
            assertThat(rows.status()).as(rows.body().toString()).isEqualTo(200);
            Map<Long, Long> stored = new java.util.HashMap<>();
            rows.body().path("rows").forEach(row -> stored.put(row.get(0).asLong(), row.get(1).asLong()));
            assertThat(stored.keySet()).as("every acknowledged write applied").containsAll(acknowledged);
            assertThat(stored.values()).as("each once").containsOnly(1L);
        } finally {
            Tmpfs.unmount(volume);
        }
    }

    private static Reply ledgerWrite(TestStack stack, String key, long seq, boolean waitForIt) throws Exception {
        return stack.call("POST", "/v1/tenants/ledger/execute" + (waitForIt ? "" : "?wait=false"), key,
                json(Map.of("sql", "INSERT INTO t VALUES (?, randomblob(2000))", "params", List.of(seq))),
                Map.of("Idempotency-Key", "ledger-" + seq));
    }

    /**
     * The edge's scratch disk (as-of reads' past copies, exports, imports) is not the hot volume: a copy that
     * would not fit is refused before it starts, one that fills the disk anyway is answered 503
     * {@code storage_full} and leaves nothing behind, and the same read succeeds once there is room.
     */
    @Test
    void aPastCopyThatDoesNotFitTheScratchDiskIsStorageFullAndTheSameReadSucceedsOnceThereIsRoom() throws Exception {
        Path scratch = data.resolve("scratchfs");
        Files.createDirectories(scratch);
        Assumptions.assumeTrue(Tmpfs.mount(scratch, VOLUME_MIB), "DiskFullIT skipped: mounting a tmpfs needs root and mount rights here");
        try (TestStack stack = TestStack.start(data, data.resolve("hot"), edge -> edge.withScratchDir(scratch)
                .withReadLimits(SqliteLimits.READ_DEFAULTS.withMinFreeTempBytes(MIN_FREE_MIB << 20)))) {
            String key = stack.createTenant("past");
            String neighbour = stack.createTenant("neighbour");
            Reply created = stack.post("/v1/tenants/past/execute", key, "{\"sql\":\"CREATE TABLE t (pad BLOB)\"}");
            assertThat(stack.post("/v1/tenants/neighbour/execute", neighbour, "{\"sql\":\"CREATE TABLE n (v)\"}").status()).isEqualTo(200);
            Reply big = null;
            for (int i = 0; i < 2; i++) {
                big = stack.post("/v1/tenants/past/execute", key, json(Map.of("sql", "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                        + " SELECT i + 1 FROM n WHERE i < 10) INSERT INTO t SELECT randomblob(1000000) FROM n")));
                assertThat(big.status()).as(big.body().toString()).isEqualTo(200);
            }
            String bigPoint = big.text("bookmark");
            // Leave 12 MiB on the scratch disk: the 20 MiB tenant's past does not fit with 6 MiB kept free.
            Path ballast = scratch.resolve("ballast");
            Files.write(ballast, new byte[(int) (Files.getFileStore(scratch).getUsableSpace() - (12L << 20))]);
            long freeBefore = Files.getFileStore(scratch).getUsableSpace();

            Reply refused = asOfCount(stack, key, bigPoint);
            assertThat(refused.status()).as(refused.body().toString()).isEqualTo(503);
            assertThat(refused.errorCode()).isEqualTo("storage_full");

            // Restored to just after its CREATE TABLE, the tenant is small now: its past passes the check, fills the disk.
            assertThat(stack.post("/v1/tenants/past/restore", ADMIN, json(Map.of("bookmark", created.text("bookmark")))).status()).isEqualTo(200);
            Reply filled = asOfCount(stack, key, bigPoint);
            assertThat(filled.status()).as(filled.body().toString()).isEqualTo(503);
            assertThat(filled.errorCode()).isEqualTo("storage_full");
            assertThat(Files.getFileStore(scratch).getUsableSpace()).as("the failed copy is removed").isGreaterThanOrEqualTo(freeBefore - (1 << 20));
            Reply others = stack.post("/v1/tenants/neighbour/execute", neighbour, "{\"sql\":\"INSERT INTO n VALUES (1)\"}");
            assertThat(others.status()).as("the other tenants' writes go on").isEqualTo(200);
            assertThat(stack.post("/v1/tenants/neighbour/query", neighbour, json(Map.of("sql", "SELECT count(*) FROM n",
                    "bookmark", others.text("bookmark")))).status()).as("and their reads").isEqualTo(200);

            Files.delete(ballast);
            Reply answered = asOfCount(stack, key, bigPoint);
            assertThat(answered.status()).as(answered.body().toString()).isEqualTo(200);
            assertThat(answered.body().path("rows").get(0).get(0).asLong()).isEqualTo(20);
        } finally {
            Tmpfs.unmount(scratch);
        }
    }

    private static Reply asOfCount(TestStack stack, String key, String point) throws Exception {
        return stack.post("/v1/tenants/past/query", key, json(Map.of("sql", "SELECT count(*) FROM t", "as_of", point)));
    }

    private static Reply write(TestStack stack, String key, long seq) throws Exception {
        return stack.call("POST", "/v1/tenants/filler/execute", key,
                json(Map.of("sql", "INSERT INTO t VALUES (?, randomblob(400000))", "params", List.of(seq))),
                Map.of("Idempotency-Key", "fill-" + seq));
    }
}
