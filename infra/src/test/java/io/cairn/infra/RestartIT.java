package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.infra.TestStack.Reply;
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
            key = stack.createTenant("keep");
            stack.post("/v1/tenants/keep/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
            for (int i = 0; i < 20; i++) {
                assertThat(stack.post("/v1/tenants/keep/execute", key, "{\"sql\":\"INSERT INTO t VALUES (" + i + ")\"}").status()).isEqualTo(200);
            }
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
}
