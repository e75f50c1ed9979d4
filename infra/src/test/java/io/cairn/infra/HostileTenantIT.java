package io.cairn.infra;

import static io.cairn.infra.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.infra.TestStack.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tenant sends the whole hostile corpus (tenant-db's {@code hostile/corpus.jsonl}) and the writes
 * that pass the policy but try to exhaust the applier (runaway work, statements sharing one budget,
 * growth and result bombs, ten thousand named parameters, runaway triggers), while other tenants write.
 * Every other tenant's write applies, the hostile tenant gets 4xx answers (or, waiting behind its own
 * runaways, 504 {@code write_timeout}), and the applier never fails: no thread replaced, nothing
 * quarantined, no failure that was not a verdict.
 */
@Tag("fault")
class HostileTenantIT {
    private static final int NORMAL_TENANTS = 3;
    private static final int WRITES_PER_TENANT = 40;

    @TempDir Path data;

    @Test
    void oneTenantsWorstInputNeverStopsTheApplierNorAnotherTenantsWrites() throws Exception {
        try (TestStack stack = TestStack.start(data)) {
            String hostileKey = stack.createTenant("hostile");
            assertThat(stack.post("/v1/tenants/hostile/execute", hostileKey, "{\"sql\":\"CREATE TABLE t (a, b TEXT, c INTEGER PRIMARY KEY)\"}")
                    .status()).isEqualTo(200);
            Map<String, String> normal = new LinkedHashMap<>();
            for (int i = 0; i < NORMAL_TENANTS; i++) {
                String tenant = "normal-" + i;
                String key = stack.createTenant(tenant);
                assertThat(stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"CREATE TABLE w (n INTEGER)\"}").status()).isEqualTo(200);
                normal.put(tenant, key);
            }

            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            Map<String, Integer> written = new java.util.concurrent.ConcurrentHashMap<>();
            List<Long> alone = writeWhile(stack, normal, written, wrong, () -> false);

            CountDownLatch hostileStarted = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean hostileDone = new java.util.concurrent.atomic.AtomicBoolean();
            Thread hostile = Thread.ofPlatform().name("hostile").start(() -> {
                hostileStarted.countDown();
                try {
                    attack(stack, hostileKey, wrong);
                } catch (Exception e) {
                    wrong.add("hostile client failed: " + e);
                } finally {
                    hostileDone.set(true);
                }
            });
            assertThat(hostileStarted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            List<Long> beside = writeWhile(stack, normal, written, wrong, () -> !hostileDone.get());
            hostile.join();

            assertThat(wrong).as("answers other than expected").isEmpty();
            for (Map.Entry<String, String> t : normal.entrySet()) {
                Reply count = stack.post("/v1/tenants/" + t.getKey() + "/query", t.getValue(), "{\"sql\":\"SELECT count(*) FROM w\"}");
                assertThat(count.body().path("rows").get(0).get(0).asLong()).as(t.getKey() + " rows").isEqualTo(written.get(t.getKey()).longValue());
            }
            assertThat(stack.count("cairn.applier.thread.replacements")).as("stream threads replaced").isZero();
            assertThat(stack.count("cairn.applier.quarantined")).as("records quarantined").isZero();
            assertThat(stack.registry().find("cairn.applier.failures").counters()).as("failures that were not verdicts")
                    .isNotEmpty().allSatisfy(c -> assertThat(c.count()).as(c.getId().toString()).isZero());
            System.out.printf("HostileTenantIT: other tenants' writes alone: %s; beside the hostile tenant: %s%n", summary(alone), summary(beside));
        }
    }

    /**
     * A tenant's SQLite work runs in its share of the virtual threads' carriers (the edge's ReadTurns): sixteen
     * runaway reads of one tenant at a time, each running to its 5 s limit, used to pin every carrier on a
     * 2-core machine, and another tenant's reads then took 9 s and its writes 35 s (or never answered). Now
     * they go on.
     */
    @Test
    void oneTenantsRunawayReadsDoNotHoldUpAnotherTenantsReadsAndWrites() throws Exception {
        try (TestStack stack = TestStack.start(data)) {
            String hostileKey = stack.createTenant("reader");
            String normalKey = stack.createTenant("normal");
            assertThat(stack.post("/v1/tenants/normal/execute", normalKey, "{\"sql\":\"CREATE TABLE w (n INTEGER)\"}").status()).isEqualTo(200);
            String runaway = "{\"sql\":\"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c\"}";
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger timedOut = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> hostile = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                hostile.add(Thread.ofPlatform().name("runaway-" + i).start(() -> {
                    while (!stop.get()) {
                        try {
                            Reply r = stack.post("/v1/tenants/reader/query", hostileKey, runaway);
                            if (r.errorCode().equals("statement_timeout")) timedOut.incrementAndGet();
                            else if (!r.errorCode().equals("too_many_requests")) wrong.add("runaway read: " + r.status() + " " + r.body());
                        } catch (Exception e) {
                            wrong.add("runaway read: " + e);
                        }
                    }
                }));
            }
            // Until the runaways ran to their limit twice over (so they ran all along), the other tenant reads and writes.
            long slowestRead = 0;
            long slowestWrite = 0;
            int n = 0;
            while (timedOut.get() < 4) {
                long start = System.nanoTime();
                Reply read = stack.post("/v1/tenants/normal/query", normalKey, "{\"sql\":\"SELECT count(*) FROM w\"}");
                long mid = System.nanoTime();
                Reply write = stack.post("/v1/tenants/normal/execute", normalKey, "{\"sql\":\"INSERT INTO w VALUES (?)\",\"params\":[" + n++ + "]}");
                slowestRead = Math.max(slowestRead, mid - start);
                slowestWrite = Math.max(slowestWrite, System.nanoTime() - mid);
                assertThat(read.status()).as(read.body().toString()).isEqualTo(200);
                assertThat(write.status()).as(write.body().toString()).isEqualTo(200);
            }
            stop.set(true);
            for (Thread t : hostile) t.join();
            assertThat(wrong).isEmpty();
            System.out.printf("HostileTenantIT: beside 16 runaway reads, %d reads and writes of another tenant: slowest read %.1f ms, write %.1f ms%n",
                    n, slowestRead / 1e6, slowestWrite / 1e6);
            // A read of a small table is milliseconds; the runaways' own limit is 5 s. Held up behind them, it took 9 s.
            assertThat(slowestRead / 1_000_000).as("slowest read of the other tenant, ms").isLessThan(2_500);
            assertThat(slowestWrite / 1_000_000).as("slowest write of the other tenant, ms").isLessThan(5_000);
        }
    }

    /**
     * One tenant floods its partition with writes that are each cheap (batches of 1,000 inserts, sent without
     * waiting, from 8 clients, as fast as the edge takes them): each is far under the quick budget, yet together
     * they kept the partition's stream thread, and another tenant's single writes on that partition waited 24 s
     * behind them. Now a tenant that took more than its share of the thread waits on itself in the heavy lane
     * (ThreadShares), and every batch it got accepted is applied once.
     */
    @Test
    void oneTenantsFloodOfCheapWritesDoesNotHoldUpItsPartition() throws Exception {
        try (TestStack stack = TestStack.start(data)) {
            String floodKey = stack.createTenant("flood");
            String create = "{\"sql\":\"CREATE TABLE w (n INTEGER)\"}";
            String partition = partitionOf(stack.post("/v1/tenants/flood/execute", floodKey, create));
            String calm = null;
            String calmKey = null;
            for (int i = 0; calm == null; i++) {
                String key = stack.createTenant("calm-" + i);
                if (partitionOf(stack.post("/v1/tenants/calm-" + i + "/execute", key, create)).equals(partition)) {
                    calm = "calm-" + i;
                    calmKey = key;
                }
            }
            String batch = json(Map.of("statements", Collections.nCopies(1_000, Map.of("sql", "INSERT INTO w VALUES (1)"))));
            java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            List<Thread> flooders = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                flooders.add(Thread.ofPlatform().name("flood-" + i).start(() -> {
                    while (!stop.get()) {
                        try {
                            Reply r = stack.post("/v1/tenants/flood/execute?wait=false", floodKey, batch);
                            if (r.status() == 202) accepted.incrementAndGet();
                            else if (!r.errorCode().equals("too_many_requests")) wrong.add("flood: " + r.status() + " " + r.body());
                        } catch (Exception e) {
                            wrong.add("flood: " + e);
                        }
                    }
                }));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> accepted.get() >= 300);
            long slowest = 0;
            for (int n = 0; n < 20; n++) {
                long start = System.nanoTime();
                Reply r = stack.post("/v1/tenants/" + calm + "/execute", calmKey, "{\"sql\":\"INSERT INTO w VALUES (?)\",\"params\":[" + n + "]}");
                slowest = Math.max(slowest, System.nanoTime() - start);
                assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            }
            stop.set(true);
            for (Thread t : flooders) t.join();
            System.out.printf("HostileTenantIT: beside a flood of %d batches of 1,000 inserts, another tenant of its partition: slowest write %.1f ms%n",
                    accepted.get(), slowest / 1e6);
            // Its own write takes milliseconds; behind the flood's backlog it waited 24 s.
            assertThat(slowest / 1_000_000).as("slowest write of the other tenant, ms").isLessThan(5_000);
            assertThat(wrong).isEmpty();
            long expected = accepted.get() * 1_000L;
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).untilAsserted(() -> assertThat(
                    stack.post("/v1/tenants/flood/query", floodKey, "{\"sql\":\"SELECT count(*) FROM w\"}").body().path("rows").get(0).get(0).asLong())
                    .as("rows of the flood's accepted batches").isEqualTo(expected));
            assertThat(stack.count("cairn.applier.quarantined")).as("records quarantined").isZero();
        }
    }

    /**
     * One tenant sends 1 MiB writes that wait behind slow ones, from 64 connections at once. Before, the edge took
     * every body: 800 such clients in {@code ./cairn dev} made it hold 5 GB (with Avro's per-thread buffers, see
     * {@code AvroSerdeTest}), and the flood filled the producer's buffer, so another tenant's write waited 13 s and
     * others were refused 503. Now the flooding tenant is refused 429 past its share of bodies (8 MiB per edge).
     */
    @Test
    void oneTenantsLargeWritesFromManyConnectionsDoNotHoldUpAnotherTenant() throws Exception {
        try (TestStack stack = TestStack.start(data, data.resolve("hot"), c -> c.withWriteTimeout(java.time.Duration.ofSeconds(10)))) {
            String bulkKey = stack.createTenant("bulk");
            String calmKey = stack.createTenant("calm");
            String create = "{\"sql\":\"CREATE TABLE w (n)\"}";
            assertThat(stack.post("/v1/tenants/bulk/execute", bulkKey, create).status()).isEqualTo(200);
            assertThat(stack.post("/v1/tenants/calm/execute", calmKey, create).status()).isEqualTo(200);
            String large = json(Map.of("sql", "INSERT INTO w SELECT length(?) + count(*) FROM (WITH RECURSIVE c(i) AS"
                    + " (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT 1000000) SELECT i FROM c)", "params", List.of("x".repeat(1_000_000))));
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Map<String, Integer> answers = new java.util.concurrent.ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            List<Thread> flooders = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                flooders.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        try {
                            Reply r = stack.post("/v1/tenants/bulk/execute", bulkKey, large);
                            String code = r.status() == 200 ? "ok" : r.errorCode();
                            answers.merge(code, 1, Integer::sum);
                            if (!java.util.Set.of("ok", "too_many_requests", "write_timeout").contains(code)) wrong.add("bulk: " + r.status() + " " + r.body());
                            if (code.equals("too_many_requests") && r.body().toString().contains("request bodies")) answers.merge("body share", 1, Integer::sum);
                        } catch (java.io.IOException closed) {
                            // past its share of refused bodies the edge reads, its bodies go unread and the connections close
                            answers.merge("closed unread", 1, Integer::sum);
                        } catch (Exception e) {
                            wrong.add("bulk: " + e);
                        }
                    }
                }));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> answers.getOrDefault("body share", 0) >= 50);
            long slowest = 0;
            for (int n = 0; n < 20; n++) {
                long start = System.nanoTime();
                Reply r = stack.post("/v1/tenants/calm/execute", calmKey, "{\"sql\":\"INSERT INTO w VALUES (?)\",\"params\":[" + n + "]}");
                slowest = Math.max(slowest, System.nanoTime() - start);
                assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            }
            stop.set(true);
            for (Thread t : flooders) t.join();
            System.out.printf("HostileTenantIT: beside 64 connections of 1 MiB writes (%s), another tenant's slowest write: %.1f ms%n",
                    answers, slowest / 1e6);
            assertThat(wrong).isEmpty();
            assertThat(slowest / 1_000_000).as("slowest write of the other tenant, ms").isLessThan(5_000);
        }
    }

    /**
     * One tenant's clients ask for large answers and never read them. Each answer waited in the edge's heap for its
     * client: 300 such connections held 1.3 GB (4,096 connections are allowed). Now a tenant's unread answers hold
     * at most its share (four of the largest), past it its reads get 429, and the others' reads go on.
     */
    @Test
    void oneTenantsUnreadLargeAnswersAreBoundedToItsShare() throws Exception {
        try (TestStack stack = TestStack.start(data)) {
            String hoardKey = stack.createTenant("hoard");
            String calmKey = stack.createTenant("calm");
            Reply filled = stack.post("/v1/tenants/hoard/execute", hoardKey, json(Map.of("statements", List.of(Map.of("sql", "CREATE TABLE t (a TEXT)"),
                    Map.of("sql", "INSERT INTO t WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT 70)"
                            + " SELECT printf('%.*c', 100000, 'x') FROM c")))));
            assertThat(filled.status()).as(filled.body().toString()).isEqualTo(200);
            assertThat(stack.post("/v1/tenants/calm/execute", calmKey, "{\"sql\":\"CREATE TABLE w (n)\"}").status()).isEqualTo(200);
            String big = "{\"sql\":\"SELECT a FROM t\"}";
            byte[] request = ("POST /v1/tenants/hoard/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + hoardKey
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + big.length() + "\r\n\r\n" + big)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            List<java.net.Socket> unread = new ArrayList<>();
            try {
                Reply refused = null;
                for (int i = 0; i < 40 && refused == null; i++) {
                    java.net.Socket socket = new java.net.Socket();
                    socket.setReceiveBufferSize(4096); // before connecting: the window stays small
                    socket.connect(new java.net.InetSocketAddress("127.0.0.1", java.net.URI.create(stack.url()).getPort()));
                    socket.getOutputStream().write(request);
                    unread.add(socket);
                    Reply r = stack.post("/v1/tenants/hoard/query", hoardKey, big);
                    if (r.status() == 429) refused = r;
                    else assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
                }
                assertThat(refused).as("a read past the tenant's share of unread answers").isNotNull();
                assertThat(refused.body().path("error").path("message").asText()).contains("answers");
                Reply other = stack.post("/v1/tenants/calm/query", calmKey, "{\"sql\":\"SELECT count(*) FROM w\"}");
                assertThat(other.status()).as(other.body().toString()).isEqualTo(200);
            } finally {
                for (java.net.Socket socket : unread) socket.close();
            }
            // Once those clients are gone, their answers no longer count.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> stack.post("/v1/tenants/hoard/query", hoardKey, big).status() == 200);

            // Nor exports it never reads: each held a copy of the tenant on the edge's scratch disk (50 of them, 2 GB).
            byte[] export = ("GET /v1/tenants/hoard/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + hoardKey + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            List<java.net.Socket> exports = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    java.net.Socket socket = new java.net.Socket();
                    socket.setReceiveBufferSize(4096);
                    socket.connect(new java.net.InetSocketAddress("127.0.0.1", java.net.URI.create(stack.url()).getPort()));
                    socket.getOutputStream().write(export);
                    exports.add(socket);
                }
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                java.util.function.BiFunction<String, String, java.net.http.HttpRequest> exportOf = (tenant, token) -> java.net.http.HttpRequest
                        .newBuilder(java.net.URI.create(stack.url() + "/v1/tenants/" + tenant + "/export")).header("Authorization", "Bearer " + token).build();
                java.net.http.HttpResponse<String> third = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                        .until(() -> http.send(exportOf.apply("hoard", hoardKey), java.net.http.HttpResponse.BodyHandlers.ofString()),
                                r -> r.statusCode() == 429);
                assertThat(third.body()).contains("too_many_requests");
                assertThat(http.send(exportOf.apply("calm", calmKey), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode())
                        .as("another tenant's export").isEqualTo(200);
            } finally {
                for (java.net.Socket socket : exports) socket.close();
            }
        }
    }

    private static String partitionOf(Reply write) {
        assertThat(write.status()).as(write.body().toString()).isEqualTo(200);
        return write.body().path("bookmark").asText().split(":")[0];
    }

    /** Each normal tenant writes at least {@link #WRITES_PER_TENANT} times, and on while {@code more} holds; returns the latencies. */
    private static List<Long> writeWhile(TestStack stack, Map<String, String> normal, Map<String, Integer> written,
            ConcurrentLinkedQueue<String> wrong, java.util.function.BooleanSupplier more) throws InterruptedException {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        List<Thread> writers = new ArrayList<>();
        for (Map.Entry<String, String> t : normal.entrySet()) {
            writers.add(Thread.ofPlatform().name("writer-" + t.getKey()).start(() -> {
                for (int n = 0; n < WRITES_PER_TENANT || more.getAsBoolean(); n++) {
                    long start = System.nanoTime();
                    try {
                        Reply r = stack.post("/v1/tenants/" + t.getKey() + "/execute", t.getValue(),
                                "{\"sql\":\"INSERT INTO w VALUES (?)\",\"params\":[" + n + "]}");
                        if (r.status() == 200) written.merge(t.getKey(), 1, Integer::sum);
                        else wrong.add(t.getKey() + " write " + n + ": " + r.status() + " " + r.body());
                    } catch (Exception e) {
                        wrong.add(t.getKey() + " write " + n + ": " + e);
                    }
                    latencies.add(System.nanoTime() - start);
                }
            }));
        }
        for (Thread w : writers) w.join();
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return sorted;
    }

    private static String summary(List<Long> sorted) {
        return String.format("%d writes, p50 %.1f ms, p99 %.1f ms, max %.1f ms", sorted.size(), sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) (sorted.size() * 0.99)) / 1e6, sorted.getLast() / 1e6);
    }

    /** Sends the corpus, then the writes that pass the policy but try to exhaust the applier. Anything but a 4xx is wrong. */
    private static void attack(TestStack stack, String key, ConcurrentLinkedQueue<String> wrong) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        for (String line : Files.readAllLines(Path.of("..", "tenant-db", "src", "test", "resources", "hostile", "corpus.jsonl"))) {
            if (line.isBlank()) continue;
            JsonNode e = mapper.readTree(line);
            boolean write = e.get("mode").asText().equals("write");
            String body = json(Map.of("sql", e.get("sql").textValue()));
            Reply r = stack.post("/v1/tenants/hostile/" + (write ? "execute" : "query"), key, body);
            if (r.status() >= 500) wrong.add("corpus " + e.get("why").asText() + ": " + r.status() + " " + r.body());
        }
        // The corpus' accepted writes changed table t (columns, a trigger): the bombs get a table of their own.
        Reply fresh = stack.post("/v1/tenants/hostile/execute", key, "{\"sql\":\"CREATE TABLE bomb (a, b)\"}");
        if (fresh.status() != 200) wrong.add("creating the bombs' table: " + fresh.status() + " " + fresh.body());
        String series = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c%s)";
        Map<String, String> bombs = new LinkedHashMap<>();
        bombs.put(json(Map.of("sql", series.formatted("") + " INSERT INTO bomb (a) SELECT i FROM c WHERE i < 0")), "statement_timeout");
        bombs.put(json(Map.of("statements", Collections.nCopies(200, Map.of("sql",
                series.formatted(" WHERE i < 1000000") + " SELECT count(*) FROM c")))), "statement_timeout");
        bombs.put(json(Map.of("sql", series.formatted(" WHERE i < 6") + " INSERT INTO bomb (b) SELECT zeroblob(16000000) FROM c")), "write_too_large");
        bombs.put(json(Map.of("sql", series.formatted(" WHERE i < 300") + " INSERT INTO bomb (b) SELECT randomblob(1000000) FROM c")),
                "write_too_large");
        bombs.put(json(Map.of("sql", series.formatted(" WHERE i < 3") + " SELECT zeroblob(400000) FROM c")), "result_too_large");
        bombs.put(json(Map.of("sql", "INSERT INTO bomb (b) SELECT zeroblob(400000) FROM bomb RETURNING b")), null);
        bombs.put(json(Map.of("statements", List.of(
                Map.of("sql", "CREATE TRIGGER loop AFTER INSERT ON bomb BEGIN INSERT INTO bomb (a) VALUES (new.a + 1); END"),
                Map.of("sql", "INSERT INTO bomb (a) VALUES (1)")))), null);
        // One SQLite step that costs the product of two lengths (LIKE, GLOB, instr, replace, trim with a set): no
        // progress handler ran inside it, and the applier's thread, with every tenant's writes, waited for minutes.
        String a = "printf('%.*c', 1000000, 'a')";
        String ab = "(printf('%.*c', 49000, 'a') || 'b')";
        for (String costly : List.of(a + " LIKE ('%' || " + ab + ")", a + " GLOB ('*' || " + ab + ")", "instr(" + a + ", " + ab + ")",
                "replace(" + a + ", " + ab + ", 'c')", "trim(" + a + ", printf('%.*c', 49000, 'b') || 'a')")) {
            bombs.put(json(Map.of("sql", "INSERT INTO bomb (a) VALUES (" + costly + ")")), "statement_timeout");
            Reply read = stack.post("/v1/tenants/hostile/query", key, json(Map.of("sql", "SELECT " + costly)));
            // A read stops at its 5 s (or is done by then: the metered instr and replace compare fast).
            if (read.status() != 200 && !read.errorCode().equals("statement_timeout")) {
                wrong.add("costly read " + costly + ": " + read.status() + " " + read.body());
            }
        }
        Map<String, Object> named = new LinkedHashMap<>();
        StringBuilder sum = new StringBuilder("SELECT 0");
        for (int i = 0; i < 10_000; i++) {
            sum.append("+:p").append(i);
            named.put("p" + i, i);
        }
        bombs.put(json(Map.of("sql", sum.toString(), "params", named)), null);
        // Runaway writes sent without waiting, so several are in the log at once.
        for (int i = 0; i < 4; i++) {
            Reply r = stack.post("/v1/tenants/hostile/execute?wait=false", key,
                    json(Map.of("sql", series.formatted("") + " INSERT INTO bomb (a) SELECT i FROM c WHERE i < " + (-i))));
            if (r.status() != 202) wrong.add("runaway without waiting: " + r.status() + " " + r.body());
        }
        for (Map.Entry<String, String> bomb : bombs.entrySet()) {
            Reply r = stack.post("/v1/tenants/hostile/execute", key, bomb.getKey());
            // Its own runaways queue ahead of it in the heavy lane: waiting on itself, it may time out (504, applied later).
            boolean ok = r.errorCode().equals("write_timeout")
                    || (bomb.getValue() == null ? r.status() < 500 : r.errorCode().equals(bomb.getValue()));
            if (!ok) wrong.add("bomb expecting " + bomb.getValue() + ": " + r.status() + " " + r.body());
        }
    }
}
