package io.cairn.infra.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.devstack.EmbeddedKafka;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.infra.cli.PromoteCommand;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.topics.RegionRole;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.connect.mirror.MirrorMaker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A standby region (issue 15, docs/replicas.md): a second Kafka cluster fed by MirrorMaker 2 (in this JVM,
 * offsets kept: IdentityReplicationPolicy into topics of the same partitions), a Cairn there in region role
 * standby. While the primary region lives, the standby serves reads of what was mirrored and refuses every
 * write; the primary region is then lost under a write load, the mirror stopped, {@code cairn promote} run, and
 * the standby takes writes. Measured: the mirror's lag, the RPO (writes the lost region acknowledged that the
 * standby never got) and the RTO (loss to the first write the standby took); written to {@code target/standby.md}.
 */
class StandbyIT {
    private static final String ADMIN = "standby-admin-token-0123456789";

    @TempDir Path dir;

    private final EdgeHttp http = new EdgeHttp();

    @Test
    void theStandbyMirrorsServesReadsRefusesWritesAndTakesOverWhenPromoted() throws Exception {
        EmbeddedKafka primaryKafka = EmbeddedKafka.start(dir.resolve("primary-kafka"));
        EmbeddedKafka standbyKafka = EmbeddedKafka.start(dir.resolve("standby-kafka"));
        CairnNode primary = null;
        CairnNode standby = null;
        MirrorMaker mirror = null;
        try {
            Path primaryHot = dir.resolve("primary-hot");
            // A short write timeout: the write in flight when the region is lost fails in seconds, not 30.
            primary = CairnNode.start(new CairnNode.Spec(ApplierConfig.primary(primaryHot),
                    EdgeConfig.defaults(ADMIN, primaryHot).withPort(0).withWriteTimeout(Duration.ofSeconds(3)),
                    4, (short) 1), KafkaSettings.embedded(primaryKafka.bootstrapServers()).clientProperties(), new SimpleMeterRegistry());
            Path standbyHot = dir.resolve("standby-hot");
            standby = CairnNode.start(new CairnNode.Spec(ApplierConfig.primary(standbyHot), EdgeConfig.defaults(ADMIN, standbyHot).withPort(0),
                    4, (short) 1).withRegion(RegionRole.STANDBY), KafkaSettings.embedded(standbyKafka.bootstrapServers()).clientProperties(),
                    new SimpleMeterRegistry());
            assertThat(primary.awaitHealthy(Duration.ofSeconds(60))).isTrue();
            assertThat(standby.awaitHealthy(Duration.ofSeconds(60))).isTrue();
            mirror = mirror(primaryKafka.bootstrapServers(), standbyKafka.bootstrapServers());
            int p = primary.httpPort();
            int s = standby.httpPort();

            EdgeHttp.Answer created = http.post(p, "/v1/tenants", ADMIN, "{\"tenant\":\"acme\"}");
            assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
            String key = created.text("api_key");
            assertThat(write(p, key, "CREATE TABLE ledger (id INTEGER NOT NULL)").status()).isEqualTo(200);

            // The mirror's lag: from the primary's acknowledgement to the row readable in the standby.
            List<Long> lags = new ArrayList<>();
            for (long id = 1; id <= 30; id++) {
                assertThat(write(p, key, "INSERT INTO ledger VALUES (" + id + ")").status()).isEqualTo(200);
                long acked = System.nanoTime();
                long target = id;
                Awaitility.await("row " + id + " in the standby").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(2))
                        .until(() -> count(s, key, "id = " + target) == 1);
                lags.add((System.nanoTime() - acked) / 1_000_000);
            }

            // A standby takes no write, no admin command; it says what it is.
            EdgeHttp.Answer refused = write(s, key, "INSERT INTO ledger VALUES (-1)");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.errorCode()).isEqualTo("standby_read_only");
            assertThat(http.post(s, "/v1/tenants", ADMIN, "{\"tenant\":\"other\"}").errorCode()).isEqualTo("standby_read_only");
            assertThat(http.get(s, "/health", null).body().path("details").path("region").path("role").asText()).isEqualTo("standby");

            // The primary region is lost under load.
            Set<Long> acked = ConcurrentHashMap.newKeySet();
            Map<Long, Long> ackedAt = new ConcurrentHashMap<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = Thread.ofPlatform().start(() -> {
                for (long id = 1_000; writing.get(); id++) {
                    try {
                        if (write(p, key, "INSERT INTO ledger VALUES (" + id + ")").status() == 200) {
                            acked.add(id);
                            ackedAt.put(id, System.currentTimeMillis());
                        }
                    } catch (Exception e) {
                        return; // the region is gone
                    }
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= 200);
            // Pointed at the wrong region, promote says so and changes nothing (it reported a failover that never happened).
            assertThat(new CommandLine(new PromoteCommand()).execute("--bootstrap", primaryKafka.bootstrapServers(), "--quiet-for", "1s"))
                    .as("cairn promote of the primary region").isEqualTo(1);
            // Its Kafka goes first: what the mirror had not fetched by then is what the standby never gets.
            long lostAt = System.currentTimeMillis();
            primaryKafka.close();
            writing.set(false);
            mirror.stop(); // the operator stops the mirror into the standby (the region it reads from is gone anyway)
            mirror = null;
            long mirrorStopped = System.currentTimeMillis();

            CommandLine promote = new CommandLine(new PromoteCommand());
            int exit = promote.execute("--bootstrap", standbyKafka.bootstrapServers(), "--quiet-for", "1s");
            assertThat(exit).as("cairn promote").isZero();
            long firstWrite;
            while (true) {
                EdgeHttp.Answer w = http.post(s, "/v1/tenants/acme/execute", key, "{\"statements\":[{\"sql\":\"INSERT INTO ledger VALUES (-2)\"}]}",
                        Map.of("Idempotency-Key", "after-promotion")); // retried until taken: once, whatever the answers were
                if (w.status() == 200) {
                    firstWrite = System.currentTimeMillis();
                    break;
                }
                assertThat(w.errorCode()).as(w.body().toString()).isIn("standby_read_only", "unavailable", "write_timeout");
                assertThat(System.currentTimeMillis() - lostAt).as("promoted within a minute").isLessThan(60_000);
            }
            assertThat(http.get(s, "/health", null).body().path("details").path("region").path("role").asText()).isEqualTo("primary");
            writer.join(Duration.ofSeconds(60)); // its last write waited out its timeout against the lost region
            primary.close();
            primary = null;

            Set<Long> present = new HashSet<>(ids(s, key));
            List<Long> missing = acked.stream().filter(id -> !present.contains(id)).sorted().toList();
            assertThat(present).as("the write taken after the promotion").contains(-2L);
            long rpoMs = missing.isEmpty() ? 0 : lostAt - ackedAt.get(missing.getFirst());
            report(lags, acked.size(), missing.size(), rpoMs, mirrorStopped - lostAt, firstWrite - lostAt);
            assertThat(ids(s, key)).as("nothing mirrored twice").doesNotHaveDuplicates();
        } finally {
            if (mirror != null) mirror.stop();
            if (standby != null) standby.close();
            if (primary != null) primary.close();
            standbyKafka.close();
            try {
                primaryKafka.close();
            } catch (RuntimeException e) {
                // closed above
            }
        }
    }

    /**
     * MirrorMaker 2 from the primary region's cluster into the standby's: Cairn's log and its migrations, under
     * their own names (IdentityReplicationPolicy), partition by partition, offsets as they are. The standby's
     * applier publishes its own tenant states.
     */
    private static MirrorMaker mirror(String primary, String standby) {
        Map<String, String> p = new HashMap<>();
        p.put("clusters", "primary, standby");
        p.put("primary.bootstrap.servers", primary);
        p.put("standby.bootstrap.servers", standby);
        p.put("primary->standby.enabled", "true");
        p.put("standby->primary.enabled", "false");
        p.put("primary->standby.topics", "cairn\\.tenant-log|cairn\\.migrations");
        p.put("replication.policy.class", "org.apache.kafka.connect.mirror.IdentityReplicationPolicy");
        // Plugins from their ServiceLoader manifests (Kafka's own jars all have them), not from a ClassGraph scan
        // of the whole test classpath: that scan once failed CI with "Uncaught exception during scan". The config
        // scans once (the top-level key) and the standby's worker again (its cluster's key).
        p.put("plugin.discovery", "service_load");
        p.put("standby.plugin.discovery", "service_load");
        p.put("sync.topic.configs.enabled", "false");
        p.put("sync.topic.acls.enabled", "false");
        p.put("emit.checkpoints.enabled", "false");
        p.put("emit.heartbeats.enabled", "false");
        p.put("sync.group.offsets.enabled", "false");
        p.put("refresh.groups.enabled", "false");
        p.put("refresh.topics.interval.seconds", "5");
        p.put("offset-syncs.topic.location", "target");
        p.put("offset.flush.interval.ms", "1000");
        p.put("standby.producer.linger.ms", "0");
        p.put("primary.consumer.fetch.max.wait.ms", "10");
        for (String rf : List.of("replication.factor", "offset-syncs.topic.replication.factor", "checkpoints.topic.replication.factor",
                "heartbeats.topic.replication.factor", "config.storage.replication.factor", "offset.storage.replication.factor",
                "status.storage.replication.factor")) {
            p.put(rf, "1");
        }
        MirrorMaker mm = new MirrorMaker(p, List.of("standby"));
        mm.start();
        return mm;
    }

    private EdgeHttp.Answer write(int port, String key, String sql) throws Exception {
        return http.post(port, "/v1/tenants/acme/execute", key, "{\"statements\":[{\"sql\":\"" + sql + "\"}]}");
    }

    private long count(int port, String key, String where) throws Exception {
        EdgeHttp.Answer r = http.post(port, "/v1/tenants/acme/query", key, "{\"sql\":\"SELECT count(*) FROM ledger WHERE " + where + "\"}");
        return r.status() == 200 ? r.body().path("rows").path(0).path(0).asLong() : -1;
    }

    private List<Long> ids(int port, String key) throws Exception {
        List<Long> ids = new ArrayList<>();
        long after = Long.MIN_VALUE;
        while (true) {
            EdgeHttp.Answer r = http.post(port, "/v1/tenants/acme/query", key, "{\"sql\":\"SELECT id FROM ledger WHERE id > ? ORDER BY id LIMIT 500\","
                    + "\"params\":[" + after + "],\"consistency\":\"strong\"}");
            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            if (r.body().path("rows").isEmpty()) return ids;
            r.body().path("rows").forEach(row -> ids.add(row.path(0).asLong()));
            after = ids.getLast();
        }
    }

    private static void report(List<Long> lags, int acked, int missing, long rpoMs, long mirrorStopMs, long rtoMs) throws Exception {
        List<Long> sorted = lags.stream().sorted().toList();
        String md = "# Standby region (StandbyIT)\n\n"
                + "MirrorMaker 2 in-JVM, one broker per region, one tenant written one row at a time.\n\n"
                + "| figure | value |\n|---|---|\n"
                + "| mirror lag (primary ack to readable in the standby), p50 | " + sorted.get(sorted.size() / 2) + " ms |\n"
                + "| mirror lag, max of " + sorted.size() + " | " + sorted.getLast() + " ms |\n"
                + "| writes the lost region acknowledged during the loss test | " + acked + " |\n"
                + "| of them never mirrored (RPO in writes) | " + missing + " |\n"
                + "| RPO in time (oldest unmirrored ack before the loss) | " + rpoMs + " ms |\n"
                + "| RTO (loss to the first write the promoted standby took: mirror stopped, promote's 1 s quiet check, applier restart) | "
                + rtoMs + " ms (of which stopping the mirror " + mirrorStopMs + " ms) |\n";
        Path out = Path.of("target", "standby.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
        System.out.println(md);
    }
}
