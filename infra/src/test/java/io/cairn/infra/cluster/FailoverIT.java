package io.cairn.infra.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.devstack.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover on several nodes (issue 15, docs/replicas.md): three brokers (replication factor 3,
 * {@code min.insync.replicas} 2), two appliers splitting the partitions, two edges (the second reading a
 * replica first), one replica, each a process of its own. Under a write and read load keeping a ledger of
 * every acknowledged write, one broker, one applier, one edge and the replica are killed with SIGKILL in turn
 * and started again. Then: no acknowledged write is lost or applied twice, no read broke its consistency
 * level, the replica's files equal the primary's, and the write unavailability window of each kill is
 * measured (written to {@code target/failover.md}).
 */
class FailoverIT {
    private static final int TENANTS = 8;
    private static final int WRITERS = 4;
    private static final int READERS = 2;

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) Path dir;

    private final EdgeHttp http = new EdgeHttp();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong nextId = new AtomicLong(1);
    /** Per tenant: acknowledged ids, and the latest acknowledged (id, bookmark). */
    private final Map<String, Set<Long>> acked = new ConcurrentHashMap<>();
    private final Map<String, Ack> lastAck = new ConcurrentHashMap<>();
    /** Per writer: when each of its writes was acknowledged (ms). */
    private final Map<Integer, List<Long>> ackTimes = new ConcurrentHashMap<>();
    private final List<Long> failedWriteAttempts = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicLong readsOk = new AtomicLong();
    /** Reads that got no answer, by kind: an HTTP status, or "connection" when the edge was gone. */
    private final Map<String, Long> readErrors = new ConcurrentHashMap<>();
    private final Map<String, Long> readsByCopy = new ConcurrentHashMap<>();
    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private int[] edgePorts;

    private record Ack(long id, String bookmark) {}

    @Test
    void killingABrokerAnApplierAnEdgeAndTheReplicaLosesAndDoublesNothing() throws Exception {
        Path data = dir.resolve("cairn");
        Path replica = dir.resolve("replica");
        edgePorts = Ports.freeDistinct(2);
        try (ClusterHarness cluster = ClusterHarness.start(dir, 3)) {
            String kafka = """
                    kafka:
                      bootstrap_servers: %s
                      partitions: 4
                      replication_factor: 3
                      properties: {session.timeout.ms: "3000", heartbeat.interval.ms: "1000"}
                    """.formatted(cluster.bootstrapServers());
            String common = "data_dir: " + data + "\n" + kafka;
            cluster.serve("applier-1", common + "roles: [applier]\napplier_instance_id: applier-1\n");
            cluster.serve("applier-2", common + "roles: [applier]\napplier_instance_id: applier-2\n");
            cluster.serve("replica", common + "roles: [replica]\nreplica: {name: r1, dir: " + replica + "}\n");
            cluster.serve("edge-1", common + "roles: [edge]\nhttp_port: " + edgePorts[0] + "\n");
            cluster.serve("edge-2", common + "roles: [edge]\nhttp_port: " + edgePorts[1] + "\nread_copies:\n  - {name: r1, dir: " + replica
                    + "}\n  - {name: primary}\n");

            for (int t = 0; t < TENANTS; t++) createTenant("t" + t);
            List<Thread> load = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) load.add(Thread.ofPlatform().name("writer-" + w).start(writer(w)));
            for (int r = 0; r < READERS; r++) load.add(Thread.ofPlatform().name("reader-" + r).start(reader(r)));
            awaitAcks(200);

            Map<String, Phase> phases = new LinkedHashMap<>();
            phases.put("broker (kafka-2)", phase(cluster, "kafka-2"));
            phases.put("applier (applier-1)", phase(cluster, "applier-1"));
            phases.put("edge (edge-1)", phase(cluster, "edge-1"));
            phases.put("replica (r1)", phase(cluster, "replica"));

            running.set(false);
            for (Thread t : load) t.join(Duration.ofSeconds(90));
            report(phases);

            assertThat(violations).as("reads that broke their consistency level").isEmpty();
            for (int t = 0; t < TENANTS; t++) {
                String tenant = "t" + t;
                List<Long> ids = allIds(tenant);
                assertThat(new HashSet<>(ids)).as(tenant + ": no acknowledged write lost").containsAll(acked.get(tenant));
                assertThat(ids).as(tenant + ": no write applied twice").doesNotHaveDuplicates();
            }
            assertThat(phases.get("broker (kafka-2)").failedWrites()).as("a broker's loss fails no write (min.insync 2 of 3)").isZero();
            assertThat(phases.get("applier (applier-1)").windowMs()).as("writes wait at most this long for the surviving applier")
                    .isLessThanOrEqualTo(15_000);
            assertThat(readsByCopy).as("the replica served reads").containsKey("r1");
            for (int t = 0; t < TENANTS; t++) {
                String tenant = "t" + t;
                Awaitility.await(tenant + " on the replica").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> checksum(data.resolve("hot"), tenant).equals(checksum(replica, tenant)));
            }
        }
    }

    /** What one kill did to the load. */
    record Phase(long windowMs, int failedWrites, long killedAtMs) {}

    /** Kills {@code victim} under load, waits, starts it again, lets the load go on; returns the writes' window and failures. */
    private Phase phase(ClusterHarness cluster, String victim) throws Exception {
        long killedAt = System.currentTimeMillis();
        int failedBefore = failedWriteAttempts.size();
        cluster.kill(victim);
        long acksAtKill = totalAcks();
        // Writes go on meanwhile (or resume once the survivors took over): wait for a good number after the kill.
        Awaitility.await(victim + " down: writes go on").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> totalAcks() >= acksAtKill + 100 && System.currentTimeMillis() - killedAt >= 8_000);
        cluster.restart(victim);
        long acksAtRestart = totalAcks();
        Awaitility.await(victim + " back: writes go on").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> totalAcks() >= acksAtRestart + 100);
        long end = System.currentTimeMillis();
        long window = 0;
        for (List<Long> times : ackTimes.values()) {
            long previous = killedAt;
            for (long t : List.copyOf(times)) {
                if (t < killedAt) continue;
                if (t > end) break;
                window = Math.max(window, t - previous);
                previous = t;
            }
        }
        int failed = (int) failedWriteAttempts.subList(failedBefore, failedWriteAttempts.size()).stream().filter(t -> t >= killedAt).count();
        return new Phase(window, failed, killedAt);
    }

    private long totalAcks() {
        return ackTimes.values().stream().mapToLong(List::size).sum();
    }

    private void awaitAcks(long n) {
        Awaitility.await("load running").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> totalAcks() >= n);
    }

    /** Writer {@code w}: its tenants in turn, each write retried with its idempotency key, on the other edge, until acknowledged. */
    private Runnable writer(int w) {
        return () -> {
            List<Long> times = ackTimes.computeIfAbsent(w, k -> new CopyOnWriteArrayList<>());
            int edge = w % 2;
            int turn = 0;
            while (running.get()) {
                String tenant = "t" + (w + WRITERS * (turn++ % (TENANTS / WRITERS)));
                long id = nextId.getAndIncrement();
                String body = "{\"statements\":[{\"sql\":\"INSERT INTO ledger (id) VALUES (?)\",\"params\":[" + id + "]}]}";
                long deadline = System.currentTimeMillis() + 120_000;
                while (true) {
                    if (System.currentTimeMillis() > deadline) {
                        violations.add("write " + id + " of " + tenant + " not acknowledged within 120 s");
                        return;
                    }
                    try {
                        EdgeHttp.Answer r = send(edge, "/v1/tenants/" + tenant + "/execute", keys.get(tenant), body, Map.of("Idempotency-Key", "ledger-" + id));
                        if (r.status() == 200) {
                            String bookmark = r.text("bookmark");
                            acked.computeIfAbsent(tenant, k -> ConcurrentHashMap.newKeySet()).add(id);
                            lastAck.put(tenant, new Ack(id, bookmark));
                            times.add(System.currentTimeMillis());
                            break;
                        }
                        if (r.status() < 500 && r.status() != 429) {
                            violations.add("write " + id + " refused: " + r.status() + " " + r.body());
                            return;
                        }
                    } catch (IOException e) {
                        // the edge is gone: the other one
                    } catch (InterruptedException e) {
                        return;
                    }
                    failedWriteAttempts.add(System.currentTimeMillis());
                    edge = 1 - edge;
                }
            }
        };
    }

    /** Reader {@code r}: strong and session reads on both edges, each checked against what was acknowledged before it was sent. */
    private Runnable reader(int r) {
        return () -> {
            int n = 0;
            while (running.get()) {
                n++;
                String tenant = "t" + ((r + n) % TENANTS);
                Ack floor = lastAck.get(tenant);
                boolean strong = n % 2 == 0;
                int edge = (n / 2) % 2;
                String body = strong || floor == null ? "{\"sql\":\"SELECT max(id) FROM ledger\",\"consistency\":\"strong\"}"
                        : "{\"sql\":\"SELECT max(id) FROM ledger\",\"bookmark\":\"" + floor.bookmark() + "\"}";
                try {
                    EdgeHttp.Answer resp = send(edge, "/v1/tenants/" + tenant + "/query", keys.get(tenant), body, Map.of());
                    if (resp.status() != 200) {
                        if (resp.status() < 500) violations.add("read refused: " + resp.status() + " " + resp.body());
                        readErrors.merge(resp.status() + " " + resp.errorCode(), 1L, Long::sum);
                        continue;
                    }
                    JsonNode answer = resp.body();
                    long max = answer.path("rows").path(0).path(0).asLong(0);
                    if (floor != null && max < floor.id()) {
                        violations.add((strong ? "strong" : "session") + " read of " + tenant + " on edge-" + (edge + 1) + " by copy "
                                + answer.path("copy").asText() + " saw max id " + max + " after " + floor.id() + " was acknowledged");
                    }
                    readsOk.incrementAndGet();
                    readsByCopy.merge(answer.path("copy").asText(), 1L, Long::sum);
                } catch (IOException e) {
                    readErrors.merge("connection", 1L, Long::sum);
                } catch (InterruptedException e) {
                    return;
                }
            }
        };
    }

    private void createTenant(String tenant) throws Exception {
        EdgeHttp.Answer r = send(0, "/v1/tenants", ClusterHarness.ADMIN, "{\"tenant\":\"" + tenant + "\"}", Map.of());
        assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
        keys.put(tenant, r.text("api_key"));
        EdgeHttp.Answer t = send(0, "/v1/tenants/" + tenant + "/execute", keys.get(tenant),
                "{\"statements\":[{\"sql\":\"CREATE TABLE ledger (id INTEGER NOT NULL)\"}]}", Map.of());
        assertThat(t.status()).as(t.body().toString()).isEqualTo(200);
    }

    /** Every id in the tenant's ledger, by strong reads on edge-1 (the primary), page by page. */
    private List<Long> allIds(String tenant) throws Exception {
        List<Long> ids = new ArrayList<>();
        long after = -1;
        while (true) {
            EdgeHttp.Answer r = send(0, "/v1/tenants/" + tenant + "/query", keys.get(tenant),
                    "{\"sql\":\"SELECT id FROM ledger WHERE id > ? ORDER BY id LIMIT 500\",\"params\":[" + after + "],\"consistency\":\"strong\"}",
                    Map.of());
            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            JsonNode rows = r.body().path("rows");
            if (rows.isEmpty()) return ids;
            for (JsonNode row : rows) ids.add(row.path(0).asLong());
            after = ids.getLast();
        }
    }

    private static String checksum(Path hot, String tenant) throws Exception {
        try (io.cairn.tenantdb.sqlite.TenantConnection c = io.cairn.tenantdb.sqlite.SqliteConnections.openReadOnly(tenant,
                new io.cairn.tenantdb.sqlite.TenantFiles(hot).database(tenant), io.cairn.tenantdb.sqlite.SqliteLimits.READ_DEFAULTS)) {
            return io.cairn.tenantdb.sql.LogicalChecksum.sha256Hex(c.connection());
        }
    }

    private EdgeHttp.Answer send(int edge, String path, String token, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        return http.post(edgePorts[edge], path, token, body, headers);
    }

    private void report(Map<String, Phase> phases) throws IOException {
        StringBuilder md = new StringBuilder("# Failover (FailoverIT)\n\n")
                .append("3 brokers (RF 3, min.insync 2), 2 appliers (session timeout 3 s), 2 edges, 1 replica, each a process; ")
                .append(WRITERS).append(" writers over ").append(TENANTS).append(" tenants, ").append(READERS).append(" readers (strong and session).\n\n")
                .append("| killed (SIGKILL), then restarted | longest wait of a writer for an ack | failed write attempts (retried) |\n|---|---|---|\n");
        phases.forEach((name, p) -> md.append("| ").append(name).append(" | ").append(String.format("%.1f s", p.windowMs() / 1000.0))
                .append(" | ").append(p.failedWrites()).append(" |\n"));
        md.append("\nWrites acknowledged: ").append(totalAcks()).append("; reads answered: ").append(readsOk.get())
                .append(" (by copy: ").append(readsByCopy).append("), reads unanswered: ").append(readErrors)
                .append("; consistency violations: ").append(violations.size()).append(".\n");
        Path out = Path.of("target", "failover.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
    }
}
