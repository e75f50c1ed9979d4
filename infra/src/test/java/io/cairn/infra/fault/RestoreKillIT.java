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
import java.nio.file.Path;
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
 * and the writes after the restore apply on it.
 */
@Tag("fault")
class RestoreKillIT {
    private static final String BUCKET = "cairn-snapshots";

    @TempDir Path data;

    @Test
    void aRestoreCutShortByAKillIsDoneOnceAfterTheRestart() throws Exception {
        EmbeddedS3 s3 = new EmbeddedS3(data.resolve("s3"), BUCKET, Ports.free()).start();
        String snapshots = String.join("\n", "snapshots:", "  bucket: " + BUCKET, "  region: us-east-1", "  endpoint: " + s3.endpoint());
        try (FaultStack stack = FaultStack.start(data);
             ApplierProcess applier = ApplierProcess.configure(data, stack.bootstrapServers(), FaultStack.PARTITIONS, snapshots,
                     List.of("-Daws.accessKeyId=" + s3.accessKey(), "-Daws.secretAccessKey=" + s3.secretKey()));
             KafkaProducer<String, byte[]> log = new KafkaProducer<>(new HashMap<String, Object>(
                     KafkaSettings.embedded(stack.bootstrapServers()).clientProperties()), new StringSerializer(), new ByteArraySerializer())) {
            applier.start();
            stack.awaitApplierInGroup();
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
        } finally {
            s3.close();
        }
    }

    private static void append(KafkaProducer<String, byte[]> log, String tenant, Object payload) throws Exception {
        long now = System.currentTimeMillis();
        TenantCommand cmd = TenantCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setTenant(tenant).setIngressTimeMs(now)
                .setSeed(0).setIdempotencyKey(null).setPayload(payload).build();
        log.send(new ProducerRecord<>(TopicCatalog.TENANT_LOG, null, now, tenant, Serdes.COMMAND.encode(cmd))).get();
    }
}
