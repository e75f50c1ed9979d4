package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.infra.TestStack.Reply;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.tenantdb.sql.LogicalChecksum;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Optimistic transactions over HTTP: a write with {@code if_unchanged_since} applies only if no write of the
 * tenant was applied after that bookmark, decided by the applier in log order, so replays agree.
 */
class ConditionalWriteIT {
    @TempDir static Path data;
    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(data);
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    @Test
    void aWriteAfterTheReadIsAConflictAndNothingApplies() throws Exception {
        String key = counter("cw-one", 0);
        String read = stack.post("/v1/tenants/cw-one/query", key, "{\"sql\":\"SELECT n FROM c\"}").text("bookmark");

        Reply ok = conditional("cw-one", key, "UPDATE c SET n = n + 1", read);
        assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
        Reply stale = conditional("cw-one", key, "UPDATE c SET n = n + 100", read);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.errorCode()).isEqualTo("conflict");
        String current = stale.body().path("error").path("bookmark").asText();
        assertThat(current).isNotEmpty();
        assertThat(n("cw-one", key)).as("nothing of the conflicting write applied").isEqualTo(1);
        assertThat(conditional("cw-one", key, "UPDATE c SET n = n + 1", current).status()).as("retried from where it said").isEqualTo(200);

        // What is not a write (a snapshot request, a read, a failed write) is no conflict.
        String base = stack.post("/v1/tenants/cw-one/query", key, "{\"sql\":\"SELECT n FROM c\"}").text("bookmark");
        assertThat(stack.post("/v1/tenants/cw-one/execute", key, "{\"sql\":\"INSERT INTO nope VALUES (1)\"}").status()).isEqualTo(400);
        stack.post("/v1/tenants/cw-one/keys", ADMIN, "{}");
        assertThat(conditional("cw-one", key, "UPDATE c SET n = n + 1", base).status()).isEqualTo(200);
        assertThat(n("cw-one", key)).isEqualTo(3);

        // Malformed or foreign bookmarks are refused before anything is logged.
        assertThat(conditional("cw-one", key, "UPDATE c SET n = 0", "nope").errorCode()).isEqualTo("invalid_bookmark");
        int other = (Integer.parseInt(base.split(":")[0]) + 1) % 4;
        assertThat(conditional("cw-one", key, "UPDATE c SET n = 0", other + ":0").errorCode()).isEqualTo("invalid_bookmark");
        // So is one past the log's end (made up, or another Cairn's): no write could follow it, so it would never refuse.
        String ahead = base.split(":")[0] + ":" + (Long.parseLong(base.split(":")[1]) + 1_000_000);
        Reply made = conditional("cw-one", key, "UPDATE c SET n = 0", ahead);
        assertThat(made.errorCode()).as(made.body().toString()).isEqualTo("invalid_bookmark");
        assertThat(made.body().path("error").path("message").asText()).contains("past the end");
        assertThat(n("cw-one", key)).as("nothing of the refused writes applied").isEqualTo(3);
    }

    @Test
    void aBookmarkFromATenantsEarlierLifeIsAConflict() throws Exception {
        String first = counter("cw-life", 41);
        String read = stack.post("/v1/tenants/cw-life/query", first, "{\"sql\":\"SELECT n FROM c\"}").text("bookmark");
        assertThat(stack.call("DELETE", "/v1/tenants/cw-life", ADMIN, null).status()).isEqualTo(200);
        String second = stack.createTenant("cw-life");

        // The read saw a database that no longer exists; its read-modify-write must not land in the new one,
        // though no write of the new life came after the bookmark, only its creation.
        Reply stale = conditional("cw-life", second, "CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER)", read);
        assertThat(stale.status()).as(stale.body().toString()).isEqualTo(409);
        assertThat(stale.errorCode()).isEqualTo("conflict");
        assertThat(stale.body().path("error").path("message").asText()).contains("created");
        String fresh = stack.post("/v1/tenants/cw-life/query", second, "{\"sql\":\"SELECT count(*) FROM sqlite_schema WHERE name = 'c'\"}")
                .text("bookmark");
        assertThat(stack.post("/v1/tenants/cw-life/query", second, "{\"sql\":\"SELECT count(*) FROM sqlite_schema WHERE name = 'c'\"}")
                .body().path("rows").get(0).get(0).asLong()).as("nothing applied").isZero();
        assertThat(conditional("cw-life", second, "CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER)", fresh).status()).isEqualTo(200);
    }

    @Test
    void racingReadModifyWritesLoseNoIncrementAndTheLogReplaysTheSameVerdicts() throws Exception {
        String key = counter("cw-race", 0);
        AtomicInteger conflicts = new AtomicInteger();
        int workers = 6;
        int each = 8;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        while (true) {
                            Reply r = stack.post("/v1/tenants/cw-race/query", key, "{\"sql\":\"SELECT n FROM c\"}");
                            long n = r.body().path("rows").get(0).get(0).asLong();
                            Reply w2 = conditional("cw-race", key, "UPDATE c SET n = " + (n + 1), r.text("bookmark"));
                            if (w2.status() == 200) break;
                            assertThat(w2.errorCode()).isEqualTo("conflict");
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertThat(n("cw-race", key)).as("every read-modify-write counted once").isEqualTo(workers * each);
        assertThat(conflicts.get()).as("the race happened").isPositive();

        Path rebuilt = data.resolve("rebuilt");
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt)).replayAll("cw-race"::equals, p -> { });
        assertThat(checksum(rebuilt)).isEqualTo(checksum(data.resolve("hot")));
    }

    /** A new tenant holding one counter row (id 1) at {@code n}; returns its key. */
    private static String counter(String tenant, long n) throws Exception {
        String key = stack.createTenant(tenant);
        stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER)\"}");
        stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":\"INSERT INTO c VALUES (1, " + n + ")\"}");
        return key;
    }

    private static Reply conditional(String tenant, String key, String sql, String since) throws Exception {
        return stack.post("/v1/tenants/" + tenant + "/execute", key, TestStack.json(Map.of("sql", sql, "if_unchanged_since", since)));
    }

    private static long n(String tenant, String key) throws Exception {
        return stack.post("/v1/tenants/" + tenant + "/query", key, "{\"sql\":\"SELECT n FROM c\"}").body().path("rows").get(0).get(0).asLong();
    }

    private static String checksum(Path hot) throws Exception {
        try (TenantConnection c = SqliteConnections.openReadOnly("cw-race", new TenantFiles(hot).database("cw-race"), SqliteLimits.READ_DEFAULTS)) {
            return LogicalChecksum.sha256Hex(c.connection());
        }
    }
}
