package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.devstack.EmbeddedKafka;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.infra.TestStack.Reply;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.infra.runtime.CairnNode;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogBehindFilesException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping and starting `cairn dev` over the same data dir keeps every tenant, key and row. */
class RestartIT {
    @TempDir Path data;

    @Test
    void restartKeepsTenantsKeysAndRowsAndDeletedTenantsStayDeleted() throws Exception {
        String key;
        try (TestStack stack = TestStack.start(data)) {
            key = keepWithRows(stack, 20);
            String gone = stack.createTenant("gone");
            stack.post("/v1/tenants/gone/execute", gone, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
            assertThat(stack.call("DELETE", "/v1/tenants/gone", ADMIN, null).status()).isEqualTo(200);
        }
        try (TestStack stack = TestStack.start(data)) {
            Reply r = stack.post("/v1/tenants/keep/query", key, "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}");
            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            assertThat(r.body().path("rows").toString()).isEqualTo("[[20,190]]");
            assertThat(stack.get("/v1/tenants/gone", ADMIN).status()).isEqualTo(404);
            assertThat(stack.post("/v1/tenants/keep/execute", key, "{\"sql\":\"INSERT INTO t VALUES (20)\"}").status()).isEqualTo(200);
        }
    }

    /**
     * Tenant files over a log that ends before them (its broker's log directory wiped, or restored from an older
     * copy): the new log numbers its records with offsets the files hold, so each write would be skipped as applied
     * and its writer told it will be. The node does not start, saying why; over its own log it starts, all there.
     */
    @Test
    void aNodeDoesNotStartOverALogThatEndsBeforeWhatItsFilesHold() throws Exception {
        String key;
        try (TestStack stack = TestStack.start(data)) {
            key = keepWithRows(stack, 5);
        }
        Path hot = data.resolve("hot");
        try (EmbeddedKafka wiped = EmbeddedKafka.start(data.resolve("a-new-log"))) {
            assertThatThrownBy(() -> CairnNode.start(new CairnNode.Spec(ApplierConfig.primary(hot), EdgeConfig.defaults(ADMIN, hot).withPort(0), 4,
                    (short) 1), KafkaSettings.embedded(wiped.bootstrapServers()).clientProperties(), new SimpleMeterRegistry()))
                    .isInstanceOf(LogBehindFilesException.class)
                    .hasMessageContaining("ends at offset 0, its files hold records up to offset")
                    .hasMessageContaining("cairn rebuild");
        }
        try (TestStack stack = TestStack.start(data)) {
            Reply r = stack.post("/v1/tenants/keep/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}");
            assertThat(r.body().path("rows").toString()).as(r.body().toString()).isEqualTo("[[5]]");
            assertThat(stack.post("/v1/tenants/keep/execute", key, "{\"sql\":\"INSERT INTO t VALUES (5)\"}").status()).isEqualTo(200);
        }
    }

    /** Tenant "keep" with table t holding 0 to {@code rows} - 1; its key. */
    private static String keepWithRows(TestStack stack, int rows) throws Exception {
        String key = stack.createTenant("keep");
        stack.post("/v1/tenants/keep/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        for (int i = 0; i < rows; i++) {
            assertThat(stack.post("/v1/tenants/keep/execute", key, "{\"sql\":\"INSERT INTO t VALUES (" + i + ")\"}").status()).isEqualTo(200);
        }
        return key;
    }
}
