package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import io.cairn.streams.apply.SnapshotOptions;
import io.cairn.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The retention guard on a real broker: once {@code cairn.tenant-log} has a finite retention, a tenant
 * with no snapshot younger than half of it is snapshotted without anyone asking, so a heal never needs a
 * record retention removed.
 */
class RetentionGuardIT {
    private static final Duration RETENTION = Duration.ofSeconds(20);

    @TempDir Path data;

    @Test
    void aTenantWithoutARecentSnapshotIsSnapshottedOnceTheLogHasAFiniteRetention() throws Exception {
        try (EmbeddedS3 s3 = new EmbeddedS3(data.resolve("s3"), "cairn-snapshots", Ports.free()).start();
             S3Client client = S3Clients.local(s3.endpoint(), s3.accessKey(), s3.secretKey());
             TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(
                     SnapshotOptions.defaults(new S3SnapshotStore(client, S3SnapshotConfig.of("cairn-snapshots")))))) {
            String key = stack.createTenant("aging");
            stack.post("/v1/tenants/aging/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
            assertThat(stack.get("/v1/tenants/aging", ADMIN).body().path("last_snapshot").isNull()).isTrue();

            setRetention(stack.kafkaProperties(), RETENTION);
            // Created more than half the retention ago and never snapshotted: the guard's next pass asks.
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> stack.get("/v1/tenants/aging", ADMIN).body().path("last_snapshot").isObject());
            assertThat(stack.count("cairn.snapshots.retention")).isGreaterThanOrEqualTo(1);
        }
    }

    private static void setRetention(Map<String, Object> kafka, Duration retention) throws Exception {
        try (Admin admin = Admin.create(kafka)) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TopicCatalog.TENANT_LOG);
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis())), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }
}
