package io.cairn.infra.fault;

import static io.cairn.infra.fault.FaultStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.Freeze;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.Thaw;
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
 * Freeze and thaw proven by dying at each of their steps: the applier (its own JVM, snapshots in a
 * real s3proxy) halts as a SIGKILL would at a named step ({@code -Dcairn.fault.halt-at}), is started
 * again, and the tenant must still hold every acknowledged write, be readable and writable, and be able
 * to go cold and come back once more.
 */
@Tag("fault")
class TierKillIT {
    private static final String BUCKET = "cairn-snapshots";
    private static final int ROWS = 20;

    @TempDir Path data;

    @Test
    void aTenantKeepsEveryAcknowledgedWriteWhenTheApplierDiesAtAnyStepOfAFreezeOrAThaw() throws Exception {
        EmbeddedS3 s3 = new EmbeddedS3(data.resolve("s3"), BUCKET, Ports.free()).start();
        String snapshots = String.join("\n", "snapshots:", "  bucket: " + BUCKET, "  region: us-east-1", "  endpoint: " + s3.endpoint());
        try (FaultStack stack = FaultStack.start(data);
             ApplierProcess applier = ApplierProcess.configure(data, stack.bootstrapServers(), FaultStack.PARTITIONS, snapshots,
                     List.of("-Daws.accessKeyId=" + s3.accessKey(), "-Daws.secretAccessKey=" + s3.secretKey()));
             KafkaProducer<String, byte[]> log = producer(stack)) {
            applier.start();
            stack.awaitApplierInGroup();
            for (String step : List.of("snapshot.stored", "freeze.committed", "freeze.removed")) {
                Ledger tenant = new Ledger(stack, "freeze-" + step.replace('.', '-'));
                restartHaltingAt(applier, stack, step);
                append(log, tenant.name, new Freeze());
                assertThat(applier.awaitExit(90)).as("the applier halted at %s", step).isTrue();
                assertThat(applier.exitValue()).as("halted by the fault point, not a crash").isEqualTo(137);
                applier.start();
                stack.awaitApplierInGroup();
                tenant.assertComplete(step + ", after the restart");
                tenant.write();
                append(log, tenant.name, new Freeze());
                tenant.awaitTier("cold");
                tenant.assertComplete(step + ", cold again, read from its snapshot");
            }
            for (String step : List.of("thaw.downloaded", "thaw.placed", "thaw.tail-applied")) {
                Ledger tenant = new Ledger(stack, "thaw-" + step.replace('.', '-'));
                append(log, tenant.name, new Freeze());
                tenant.awaitTier("cold");
                JsonNode snapshot = stack.get("/v1/tenants/" + tenant.name, ADMIN).path("last_snapshot");
                restartHaltingAt(applier, stack, step);
                append(log, tenant.name, new Thaw());
                assertThat(applier.awaitExit(90)).as("the applier halted at %s", step).isTrue();
                assertThat(applier.exitValue()).as("halted by the fault point, not a crash").isEqualTo(137);
                applier.start();
                stack.awaitApplierInGroup();
                tenant.assertComplete(step + ", after the restart");
                tenant.write();
                tenant.assertComplete(step + ", written after");
                assertThat(stack.get("/v1/tenants/" + tenant.name, ADMIN).path("last_snapshot").path("key").asText())
                        .as("%s: the freeze's snapshot is still recorded after the thaw (its cold tail applied)", step)
                        .isEqualTo(snapshot.path("key").asText()).isNotEmpty();
            }
            restoreOfAColdTenantCutShort(stack, applier, log);
        } finally {
            s3.close();
        }
    }

    /**
     * A restore of a cold tenant thaws it first; an outside probe killed the process right after that thaw, and the restore,
     * though in the log, was never applied: the tenant stayed cold with its content from before, while a rebuild would make
     * the restored one.
     */
    private static void restoreOfAColdTenantCutShort(FaultStack stack, ApplierProcess applier, KafkaProducer<String, byte[]> log)
            throws Exception {
        for (String step : List.of("thaw.placed", "restore.built")) {
        Ledger tenant = new Ledger(stack, "restore-cold-" + step.replace('.', '-'));
        // The last write's own bookmark: the tenant's, read from the directory, may trail it by a record under load.
        long point = io.cairn.topics.Bookmark.parse(tenant.lastBookmark).offset();
        int atPoint = tenant.rows;
        for (int i = 0; i < ROWS; i++) tenant.write();
        append(log, tenant.name, new Freeze());
        tenant.awaitTier("cold");
        restartHaltingAt(applier, stack, step);
        append(log, tenant.name, io.cairn.topics.avro.RestoreFrom.newBuilder().setAtOffset(point).build());
        assertThat(applier.awaitExit(90)).as("the applier halted once the restore's thaw placed the file").isTrue();
        assertThat(applier.exitValue()).as("halted by the fault point, not a crash").isEqualTo(137);
        applier.start();
        stack.awaitApplierInGroup();
        tenant.rows = atPoint;
        await("the restore, applied after the restart").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> tenant.assertComplete("restored after the restart"));
        }
    }

    /** A tenant and the writes acknowledged to it. */
    private static final class Ledger {
        final String name;
        final FaultStack stack;
        final String key;
        int rows;
        String lastBookmark;

        Ledger(FaultStack stack, String name) {
            this.stack = stack;
            this.name = name;
            this.key = stack.call("/v1/tenants", ADMIN, null, "{\"tenant\":\"" + name + "\"}", 201).path("api_key").asText();
            stack.call("/v1/tenants/" + name + "/execute", key, null, "{\"sql\":\"CREATE TABLE t (n INTEGER PRIMARY KEY)\"}", 200);
            for (int i = 0; i < ROWS; i++) write();
        }

        void write() {
            rows++;
            lastBookmark = stack.call("/v1/tenants/" + name + "/execute", key, "w-" + rows, "{\"sql\":\"INSERT INTO t VALUES (" + rows + ")\"}", 200)
                    .path("bookmark").asText();
        }

        void assertComplete(String when) {
            JsonNode r = stack.call("/v1/tenants/" + name + "/query", key, null, "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}", 200);
            long sum = (long) rows * (rows + 1) / 2;
            assertThat(r.path("rows").toString()).as("%s: %s", name, when).isEqualTo("[[" + rows + "," + sum + "]]");
        }

        void awaitTier(String tier) {
            await(name + " " + tier).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> tier.equals(stack.get("/v1/tenants/" + name, ADMIN).path("tier").asText()));
        }
    }

    private static void restartHaltingAt(ApplierProcess applier, FaultStack stack, String step) throws Exception {
        applier.close();
        applier.start(step);
        stack.awaitApplierInGroup();
    }

    private static KafkaProducer<String, byte[]> producer(FaultStack stack) {
        Map<String, Object> p = new HashMap<>(KafkaSettings.embedded(stack.bootstrapServers()).clientProperties());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void append(KafkaProducer<String, byte[]> log, String tenant, Object payload) throws Exception {
        long now = System.currentTimeMillis();
        TenantCommand cmd = TenantCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setTenant(tenant).setIngressTimeMs(now)
                .setSeed(0).setIdempotencyKey(null).setPayload(payload).build();
        log.send(new ProducerRecord<>(TopicCatalog.TENANT_LOG, tenant, Serdes.COMMAND.encode(cmd))).get();
    }
}
