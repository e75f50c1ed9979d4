package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.devstack.Ports;
import io.cairn.infra.TestStack.Reply;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.streams.apply.ReplayProgress;
import io.cairn.streams.apply.SnapshotOptions;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A rebuild served in place of the hot directory, as guarantees.md's runbook does it: the tenants the log leaves cold
 * stay cold (no file, their snapshot their content) instead of coming back as files that nothing froze again, and
 * every tenant is served with all it had, the cold one by a read and a write that thaws it.
 */
class RebuildKeepsColdIT {
    private static final String BUCKET = "cairn-snapshots";

    @TempDir Path data;

    @Test
    void aRebuildLeavesColdTenantsColdAndServesEveryTenantAfterTheMove() throws Exception {
        try (EmbeddedS3 s3 = new EmbeddedS3(data.resolve("s3"), BUCKET, Ports.free()).start();
                S3Client client = S3Clients.local(s3.endpoint(), s3.accessKey(), s3.secretKey())) {
            S3SnapshotStore store = new S3SnapshotStore(client, S3SnapshotConfig.of(BUCKET));
            Path hot = data.resolve("hot");
            TenantFiles files = new TenantFiles(hot);
            String coldKey;
            String backKey;
            String hotKey;
            Path rebuilt = data.resolve("rebuilt");
            ReplayProgress done;
            try (TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(SnapshotOptions.defaults(store)))) {
                coldKey = withRows(stack, "kc-cold", 30);
                backKey = withRows(stack, "kc-back", 20);
                hotKey = withRows(stack, "kc-hot", 10);
                freeze(stack, files, "kc-cold");
                freeze(stack, files, "kc-back");
                Reply thawing = stack.post("/v1/tenants/kc-back/execute", backKey, "{\"sql\":\"INSERT INTO t VALUES (100)\"}");
                assertThat(thawing.status()).as(thawing.body().toString()).isEqualTo(200);

                done = new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt)).withSnapshots(store, new SimpleMeterRegistry())
                        .leavingColdTenantsCold().replayAll(t -> t.startsWith("kc-"), p -> { });
            }
            assertThat(done.leftCold()).as("kc-cold; kc-back was written after its freeze").isEqualTo(1);
            assertThat(new TenantFiles(rebuilt).list()).containsExactlyInAnyOrder("kc-back", "kc-hot");

            // The runbook: the old files aside, the rebuild's in their place, then start.
            Files.move(hot.resolve("tenants"), hot.resolve("tenants.before-rebuild"));
            Files.move(hot.resolve("cairn-tenants.db"), hot.resolve("cairn-tenants.db.before-rebuild"));
            for (String suffix : new String[] {"-wal", "-shm"}) Files.deleteIfExists(hot.resolve("cairn-tenants.db" + suffix));
            Files.move(rebuilt.resolve("tenants"), hot.resolve("tenants"));
            Files.move(rebuilt.resolve("cairn-tenants.db"), hot.resolve("cairn-tenants.db"));
            try (TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(SnapshotOptions.defaults(store)))) {
                assertThat(files.exists("kc-cold")).as("still cold after the move").isFalse();
                assertThat(count(stack, "kc-cold", coldKey)).isEqualTo("[[30,435]]");
                assertThat(files.exists("kc-cold")).as("a read leaves it cold").isFalse();
                Reply write = stack.post("/v1/tenants/kc-cold/execute", coldKey, "{\"sql\":\"INSERT INTO t VALUES (1000)\"}");
                assertThat(write.status()).as(write.body().toString()).isEqualTo(200);
                assertThat(files.exists("kc-cold")).as("a write thaws it").isTrue();
                assertThat(count(stack, "kc-cold", coldKey)).isEqualTo("[[31,1435]]");
                assertThat(count(stack, "kc-back", backKey)).isEqualTo("[[21,290]]");
                assertThat(count(stack, "kc-hot", hotKey)).isEqualTo("[[10,45]]");
            }
        }
    }

    /** A tenant with table t holding 0 to {@code rows} - 1; its key. */
    private static String withRows(TestStack stack, String tenant, int rows) throws Exception {
        String key = stack.createTenant(tenant);
        assertThat(stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}").status()).isEqualTo(200);
        Reply filled = stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL"
                + " SELECT n + 1 FROM c WHERE n < " + (rows - 1) + ") INSERT INTO t SELECT n FROM c\"}");
        assertThat(filled.status()).as(filled.body().toString()).isEqualTo(200);
        return key;
    }

    private static void freeze(TestStack stack, TenantFiles files, String tenant) throws Exception {
        Reply asked = stack.post("/v1/tenants/" + tenant + "/tier", ADMIN, "{\"tier\":\"cold\"}");
        assertThat(asked.status()).as(asked.body().toString()).isBetween(200, 202);
        await().atMost(Duration.ofSeconds(60)).until(() -> !files.exists(tenant) && "cold".equals(stack.get("/v1/tenants/" + tenant, ADMIN).text("tier")));
    }

    private static String count(TestStack stack, String tenant, String key) throws Exception {
        Reply r = stack.post("/v1/tenants/" + tenant + "/query", key, "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}");
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return r.body().path("rows").toString();
    }
}
