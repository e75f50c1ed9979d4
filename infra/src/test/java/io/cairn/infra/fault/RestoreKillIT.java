package io.cairn.infra.fault;

import static io.cairn.infra.fault.FaultStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.RestoreFrom;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore proven by dying in it: the applier (its own JVM, snapshots in a real s3proxy) halts as a
 * SIGKILL would once the restored content is built but not in place, and once it is in place but its
 * record's position is not committed. After the restart the tenant holds exactly the point restored to,
 * and the writes after the restore apply on it. A fork proven the same way, halted before its first snapshot
 * was asked for.
 */
@Tag("fault")
class RestoreKillIT {
    private static final String BUCKET = "cairn-snapshots";

    @TempDir Path data;

    @Test
    void aRestoreOrAForkCutShortByAKillIsDoneOnceAfterTheRestart() throws Exception {
        EmbeddedS3 s3 = new EmbeddedS3(data.resolve("s3"), BUCKET, Ports.free()).start();
        String snapshots = String.join("\n", "snapshots:", "  bucket: " + BUCKET, "  region: us-east-1", "  endpoint: " + s3.endpoint());
        try (FaultStack stack = FaultStack.start(data);
             ApplierProcess applier = ApplierProcess.configure(data, stack.bootstrapServers(), FaultStack.PARTITIONS, snapshots,
                     List.of("-Daws.accessKeyId=" + s3.accessKey(), "-Daws.secretAccessKey=" + s3.secretKey()));
             KafkaProducer<String, byte[]> log = new KafkaProducer<>(new HashMap<String, Object>(
                     KafkaSettings.embedded(stack.bootstrapServers()).clientProperties()), new StringSerializer(), new ByteArraySerializer())) {
            applier.start();
            stack.awaitApplierInGroup();
            restoresCutShort(stack, applier, log);
            forkCutShortBeforeItsSnapshot(stack, applier, log);
        } finally {
            s3.close();
        }
    }

    private static void restoresCutShort(FaultStack stack, ApplierProcess applier, KafkaProducer<String, byte[]> log) throws Exception {
        for (String step : List.of("restore.built", "restore.placed")) {
            String tenant = "restore-" + step.replace('.', '-');
            String key = stack.call("/v1/tenants", ADMIN, null, "{\"tenant\":\"" + tenant + "\"}", 201).path("api_key").asText();
            stack.call("/v1/tenants/" + tenant + "/execute", key, null, "{\"sql\":\"CREATE TABLE t (n INTEGER PRIMARY KEY)\"}", 200);
            Bookmark point = null;
            for (int n = 1; n <= 30; n++) {
                JsonNode w = stack.call("/v1/tenants/" + tenant + "/execute", key, null, "{\"sql\":\"INSERT INTO t VALUES (" + n + ")\"}", 200);
                if (n == 12) point = Bookmark.parse(w.path("bookmark").asText());
            }
            applier.close();
            applier.start(step);
            stack.awaitApplierInGroup();
            append(log, tenant, RestoreFrom.newBuilder().setAtOffset(point.offset()).build());
            assertThat(applier.awaitExit(90)).as("the applier halted at %s", step).isTrue();
            assertThat(applier.exitValue()).as("halted by the fault point, not a crash").isEqualTo(137);
            applier.start();
            stack.awaitApplierInGroup();

            stack.call("/v1/tenants/" + tenant + "/execute", key, "after", "{\"sql\":\"INSERT INTO t VALUES (100)\"}", 200);
            JsonNode r = stack.call("/v1/tenants/" + tenant + "/query", key, null, "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}", 200);
            assertThat(r.path("rows").toString()).as("%s: the point (12 rows) and the write after the restore", step)
                    .isEqualTo("[[13," + (12 * 13 / 2 + 100) + "]]");
        }
    }

    /**
     * A fork's first snapshot is asked for in memory once its record is committed. The applier halting right
     * there lost the request, and the fork stayed without a snapshot of its own: after its source's delete
     * (its keys destroyed) nothing could build it again, and a lost file meant a fork lost for good. The
     * restored offset is in the fork's file, so the sweep after the restart asks again.
     */
    private static void forkCutShortBeforeItsSnapshot(FaultStack stack, ApplierProcess applier, KafkaProducer<String, byte[]> log)
            throws Exception {
        String sourceKey = stack.call("/v1/tenants", ADMIN, null, "{\"tenant\":\"fork-source\"}", 201).path("api_key").asText();
        stack.call("/v1/tenants/fork-source/execute", sourceKey, null, "{\"sql\":\"CREATE TABLE t (n INTEGER PRIMARY KEY)\"}", 200);
        Bookmark point = null;
        for (int n = 1; n <= 20; n++) {
            point = Bookmark.parse(stack.call("/v1/tenants/fork-source/execute", sourceKey, null,
                    "{\"sql\":\"INSERT INTO t VALUES (" + n + ")\"}", 200).path("bookmark").asText());
        }
        String forkKey = stack.call("/v1/tenants", ADMIN, null, "{\"tenant\":\"fork-copy\"}", 201).path("api_key").asText();

        applier.close();
        applier.start("lane.committed");
        stack.awaitApplierInGroup();
        long forkOffset = append(log, "fork-copy", RestoreFrom.newBuilder().setSourceTenant("fork-source")
                .setSourcePartition(point.partition()).setAtOffset(point.offset()).build());
        assertThat(applier.awaitExit(90)).as("the applier halted once the fork was committed").isTrue();
        assertThat(applier.exitValue()).as("halted by the fault point, not a crash").isEqualTo(137);
        applier.start();
        stack.awaitApplierInGroup();

        org.awaitility.Awaitility.await("the fork's own snapshot, asked for again after the restart").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> stack.get("/v1/tenants/fork-copy", ADMIN).path("last_snapshot").path("bookmark").asText(""),
                        p -> !p.isEmpty() && Bookmark.parse(p).offset() >= forkOffset);

        // The chain that lost it: the source deleted (its keys destroyed), then the fork's file lost.
        stack.request("DELETE", "/v1/tenants/fork-source", ADMIN, null, 200);
        applier.close();
        TenantFiles hot = new TenantFiles(stack.hotDir());
        for (String suffix : List.of("", "-wal", "-shm")) {
            Path f = hot.database("fork-copy");
            Files.deleteIfExists(f.resolveSibling(f.getFileName() + suffix));
        }
        applier.start();
        stack.awaitApplierInGroup();
        JsonNode r = stack.call("/v1/tenants/fork-copy/query", forkKey, null, "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}", 200);
        assertThat(r.path("rows").toString()).as("the fork, built from its own snapshot").isEqualTo("[[20,210]]");
    }

    /** Appends a record to {@code tenant}'s log; returns its offset. */
    private static long append(KafkaProducer<String, byte[]> log, String tenant, Object payload) throws Exception {
        long now = System.currentTimeMillis();
        TenantCommand cmd = TenantCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setTenant(tenant).setIngressTimeMs(now)
                .setSeed(0).setIdempotencyKey(null).setPayload(payload).build();
        return log.send(new ProducerRecord<>(TopicCatalog.TENANT_LOG, null, now, tenant, Serdes.COMMAND.encode(cmd))).get().offset();
    }
}
