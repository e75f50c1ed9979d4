package io.cairn.infra.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.PastContent;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.TenantCommand;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A past point built knowing where its tenant was created starts reading the log there, not at the
 * partition's start: the same content as a build from the start, and it still builds once retention has
 * removed every record before the creation (other tenants' records), where a build from the start cannot.
 * Real broker, real files; no snapshot store, so every build is a replay.
 */
class PastFromCreationIT {
    @TempDir Path data;

    @Test
    void aBuildFromTheTenantsCreationMakesTheSameContentWithoutTheRecordsBeforeIt() throws Exception {
        try (LogFixture log = LogFixture.start(data.resolve("kafka"))) {
            String early = "early-tenant";
            int partition = partitionOf(early);
            String late = lateOnTheSamePartition(partition);
            List<TenantCommand> commands = new ArrayList<>(tenant(early, 200));
            int lateStart = commands.size();
            commands.addAll(tenant(late, 20));
            List<RecordMetadata> at = log.produce(commands);
            long created = at.get(lateStart).offset();
            long point = at.get(lateStart + 12).offset();
            assertThat(at.get(lateStart).partition()).isEqualTo(partition);
            assertThat(created).as("the late tenant's creation comes after the early tenant's records").isGreaterThan(200);

            PastContent past = new PastContent(log.clientProps(), ApplierConfig.primary(data.resolve("unused")), null, new SimpleMeterRegistry());
            assertThat(past.build(late, partition, -1, point, data.resolve("from-start"))).isTrue();
            assertThat(past.build(late, partition, created, point, data.resolve("from-creation"))).isTrue();
            String expected = LogFixture.checksum(data.resolve("from-start"), late);
            assertThat(LogFixture.checksum(data.resolve("from-creation"), late)).isEqualTo(expected);

            try (Admin admin = Admin.create(log.clientProps())) {
                admin.deleteRecords(Map.of(new TopicPartition(TopicCatalog.TENANT_LOG, partition), RecordsToDelete.beforeOffset(created)))
                        .all().get();
            }
            assertThat(past.build(late, partition, created, point, data.resolve("after-retention"))).isTrue();
            assertThat(LogFixture.checksum(data.resolve("after-retention"), late)).as("built from its creation on").isEqualTo(expected);
            assertThatThrownBy(() -> past.build(late, partition, -1, point, data.resolve("after-retention-from-start")))
                    .as("from the partition's start, the removed records are missed").isInstanceOf(IllegalStateException.class);
        }
    }

    private static int partitionOf(String tenant) {
        return Utils.toPositive(Utils.murmur2(tenant.getBytes(StandardCharsets.UTF_8))) % LogFixture.PARTITIONS;
    }

    private static String lateOnTheSamePartition(int partition) {
        for (int i = 0; ; i++) {
            String name = "late-tenant-" + i;
            if (partitionOf(name) == partition) return name;
        }
    }

    private static List<TenantCommand> tenant(String tenant, int inserts) {
        List<TenantCommand> out = new ArrayList<>();
        out.add(command(tenant, 0, new CreateTenant(null, new KeySpec("k-" + tenant, "00".repeat(32), List.of("read", "write")), null, List.of())));
        out.add(command(tenant, 1, batch("CREATE TABLE t (n INTEGER, at TEXT DEFAULT CURRENT_TIMESTAMP, r INTEGER DEFAULT (random()))")));
        for (int n = 1; n <= inserts; n++) out.add(command(tenant, 1 + n, batch("INSERT INTO t (n) VALUES (" + n + ")")));
        return out;
    }

    private static ExecuteBatch batch(String sql) {
        return new ExecuteBatch(List.of(new Statement(sql, List.of(), Map.of())), null);
    }

    private static TenantCommand command(String tenant, int n, Object payload) {
        return TenantCommand.newBuilder().setCommandId("c-" + tenant + "-" + n).setTenant(tenant).setIngressTimeMs(1_000L + n)
                .setSeed(n).setIdempotencyKey(null).setPayload(payload).build();
    }
}
