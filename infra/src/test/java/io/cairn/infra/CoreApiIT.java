package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static io.cairn.infra.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.infra.TestStack.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP contract of issue 2, end to end: real broker, real applier, real SQLite files. */
class CoreApiIT {
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
    void writeThenReadReturnsRowsAndBookmarks() throws Exception {
        String key = stack.createTenant("tour");
        Reply w = stack.post("/v1/tenants/tour/execute", key, json(Map.of("statements", List.of(
                Map.of("sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, avatar BLOB)"),
                Map.of("sql", "INSERT INTO users (name, avatar) VALUES (?, ?)", "params", List.of("ada", Map.of("base64", "AAEC"))),
                Map.of("sql", "INSERT INTO users (name) VALUES (:name)", "params", Map.of("name", "grace"))))));
        assertThat(w.status()).as(w.body().toString()).isEqualTo(200);
        assertThat(w.body().path("results").get(1).path("changes").asLong()).isEqualTo(1);
        assertThat(w.body().path("results").get(2).path("last_insert_rowid").asLong()).isEqualTo(2);

        Reply r = stack.post("/v1/tenants/tour/query", key, json(Map.of("sql", "SELECT id, name, avatar FROM users ORDER BY id",
                "bookmark", w.text("bookmark"))));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("columns").toString()).isEqualTo("[\"id\",\"name\",\"avatar\"]");
        assertThat(r.body().path("rows").toString()).isEqualTo("[[1,\"ada\",{\"base64\":\"AAEC\"}],[2,\"grace\",null]]");
        assertThat(r.text("bookmark")).isEqualTo(w.text("bookmark"));

        Reply info = stack.get("/v1/tenants/tour", key);
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.text("tier")).isEqualTo("hot");
        assertThat(info.body().path("size_bytes").asLong()).isPositive();
    }

    /**
     * A bookmark is a point on the tenant's partition, and a client that keeps one "last bookmark" sends another
     * tenant's: the tenant's file stops at its own last record and never reached it, so the read waited its whole
     * timeout and answered a retryable 504 (retried for ever). Once the copy is past the point it is served.
     */
    @Test
    void aBookmarkOfAnotherTenantOnThePartitionIsServed() throws Exception {
        Map<String, String> keys = new java.util.HashMap<>();
        Map<String, String> firstOnPartition = new java.util.HashMap<>();
        String quiet = null;
        String busy = null;
        for (int i = 0; i < 64 && quiet == null; i++) {
            String tenant = "shared-" + i;
            keys.put(tenant, stack.createTenant(tenant));
            String partition = stack.post("/v1/tenants/" + tenant + "/execute", keys.get(tenant), "{\"sql\":\"CREATE TABLE t (n)\"}")
                    .text("bookmark").split(":")[0];
            String earlier = firstOnPartition.putIfAbsent(partition, tenant);
            if (earlier != null) {
                quiet = earlier;
                busy = tenant;
            }
        }
        assertThat(quiet).as("two tenants on one partition").isNotNull();
        String later = stack.post("/v1/tenants/" + busy + "/execute", keys.get(busy), "{\"sql\":\"INSERT INTO t VALUES (1)\"}").text("bookmark");
        Reply read = stack.post("/v1/tenants/" + quiet + "/query", keys.get(quiet), json(Map.of("sql", "SELECT count(*) FROM t",
                "bookmark", later, "timeout_ms", 20_000)));
        assertThat(read.status()).as(read.body().toString()).isEqualTo(200);
    }

    /** A body trickling in below 1 KiB/s is answered 408 once the grace is over, not held for minutes. */
    @Test
    void aBodyTricklingInBelowTheMinimumRateIsAnswered408() throws Exception {
        String key = stack.createTenant("trickle");
        java.net.URI base = java.net.URI.create(stack.url());
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            var out = socket.getOutputStream();
            out.write(("POST /v1/tenants/trickle/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nContent-Type: application/json"
                    + "\r\nContent-Length: 4000\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            StringBuilder answer = new StringBuilder();
            var in = socket.getInputStream();
            for (int i = 0; i < 300 && in.available() == 0; i++) {
                out.write(' ');
                out.flush();
                java.util.concurrent.locks.LockSupport.parkNanos(java.time.Duration.ofMillis(100).toNanos()); // the client's pace
            }
            for (int c; (c = in.read()) != -1 && answer.length() < 400; ) answer.append((char) c);
            assertThat(answer.toString()).startsWith("HTTP/1.1 408").contains("request_timeout");
        }
    }

    @Test
    void aSnapshotWithoutASnapshotStoreIsNotSupported() throws Exception {
        stack.createTenant("nosnap");
        Reply r = stack.post("/v1/tenants/nosnap/snapshots", ADMIN, null);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(501);
        assertThat(r.body().path("error").path("code").asText()).isEqualTo("not_supported");
        Reply listed = stack.get("/v1/tenants/nosnap/snapshots", ADMIN);
        assertThat(listed.status()).as(listed.body().toString()).isEqualTo(501);
    }

    @Test
    void readWithBookmarkOfAsyncWriteAlwaysSeesIt() throws Exception {
        String key = stack.createTenant("ryw");
        stack.post("/v1/tenants/ryw/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        for (int i = 0; i < 30; i++) {
            Reply w = stack.post("/v1/tenants/ryw/execute?wait=false", key, "{\"sql\":\"INSERT INTO t VALUES (?)\",\"params\":[" + i + "]}");
            assertThat(w.status()).isEqualTo(202);
            Reply r = stack.post("/v1/tenants/ryw/query", key,
                    json(Map.of("sql", "SELECT count(*) FROM t WHERE n = ?", "params", List.of(i), "bookmark", w.text("bookmark"))));
            assertThat(r.body().path("rows").get(0).get(0).asLong()).as("write %d visible", i).isEqualTo(1);
        }
        // A statement SQLite cannot parse is refused before the log, not answered 202 to fail where no one hears.
        Reply typo = stack.post("/v1/tenants/ryw/execute?wait=false", key, json(Map.of("statements", List.of(
                Map.of("sql", "INSERT INTO t VALUES (100)"), Map.of("sql", "INSRT INTO t VALUES (101)")))));
        assertThat(typo.errorCode()).as(typo.body().toString()).isEqualTo("sql_error");
        assertThat(typo.body().path("error").path("statement").asInt()).isEqualTo(1);
        assertThat(typo.body().path("error").path("message").asText()).contains("near \"INSRT\": syntax error");
        Reply later = stack.post("/v1/tenants/ryw/execute?wait=false", key, "{\"statements\":[{\"sql\":\"CREATE TABLE made_by_it (x)\"},"
                + "{\"sql\":\"INSERT INTO made_by_it VALUES (1)\"}]}");
        assertThat(later.status()).as("a table made in the log before the statement is no parse error").isEqualTo(202);
    }

    @Test
    void failingStatementAppliesNothingOfItsRequest() throws Exception {
        String key = stack.createTenant("atomic");
        stack.post("/v1/tenants/atomic/execute", key, "{\"sql\":\"CREATE TABLE t (id INTEGER PRIMARY KEY)\"}");
        Reply bad = stack.post("/v1/tenants/atomic/execute", key, json(Map.of("statements", List.of(
                Map.of("sql", "INSERT INTO t VALUES (1)"), Map.of("sql", "INSERT INTO t VALUES (1)")))));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorCode()).isEqualTo("sql_error");
        assertThat(bad.body().path("error").path("statement").asInt()).isEqualTo(1);
        assertThat(bad.body().path("error").path("message").asText()).isEqualTo("UNIQUE constraint failed: t.id");
        assertThat(bad.body().path("error").path("sqlite_code").asText()).as("a duplicate key, told from a typo").isEqualTo("SQLITE_CONSTRAINT_PRIMARYKEY");
        Reply mismatch = stack.post("/v1/tenants/atomic/execute", key, "{\"sql\":\"INSERT INTO t VALUES ('x')\"}");
        assertThat(mismatch.body().path("error").path("sqlite_code").asText()).as(mismatch.body().toString()).isEqualTo("SQLITE_MISMATCH");
        Reply typo = stack.post("/v1/tenants/atomic/query", key, "{\"sql\":\"SELECT * FROM nope\"}");
        assertThat(typo.body().path("error").path("sqlite_code").asText()).as(typo.body().toString()).isEqualTo("SQLITE_ERROR");
        Reply policy = stack.post("/v1/tenants/atomic/execute", key, "{\"sql\":\"VACUUM\"}");
        assertThat(policy.body().path("error").has("sqlite_code")).as("Cairn's own refusal: %s", policy.body()).isFalse();
        Reply count = stack.post("/v1/tenants/atomic/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}");
        assertThat(count.body().path("rows").get(0).get(0).asLong()).isZero();
    }

    /**
     * A write's body counts against the tenant's share of the log as it arrives, refused or not: 1 MB batches refused at their
     * last statement, sent without end, took 0.8 of a core parsing them, and nothing slowed the tenant down (outside probe).
     */
    @Test
    void refusedWritesCountAgainstTheTenantsShareOfTheLog() throws Exception {
        String key = stack.createTenant("refused-flood");
        List<Map<String, String>> statements = new java.util.ArrayList<>(java.util.Collections.nCopies(999,
                Map.of("sql", "INSERT INTO nowhere VALUES ('" + "x".repeat(900) + "')")));
        statements.add(Map.of("sql", "ATTACH DATABASE 'x.db' AS x"));
        String batch = json(Map.of("statements", statements));
        String last = null;
        for (int i = 0; i < 200 && !"too_many_requests".equals(last); i++) {
            last = stack.post("/v1/tenants/refused-flood/execute", key, batch).errorCode();
            assertThat(last).isIn("forbidden_statement", "too_many_requests");
        }
        assertThat(last).as("past its burst (64 MiB) of refused bodies").isEqualTo("too_many_requests");
    }

    @Test
    void badInputGetsItsCodeAndOthersAreUnaffected() throws Exception {
        String key = stack.createTenant("victim");
        stack.post("/v1/tenants/victim/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        String other = stack.createTenant("noisy");

        assertThat(stack.post("/v1/tenants/noisy/execute", other, "{\"sql\":").errorCode()).isEqualTo("invalid_json");
        assertThat(stack.post("/v1/tenants/noisy/execute", other, "{\"statements\":42}").errorCode()).isEqualTo("invalid_request");
        assertThat(stack.post("/v1/tenants/noisy/execute", other, "{\"sql\":\"SELEC 1\"}").errorCode()).isEqualTo("sql_error");
        assertThat(stack.post("/v1/tenants/noisy/execute", other, "{\"sql\":\"ATTACH DATABASE 'x.db' AS x\"}").errorCode())
                .isEqualTo("forbidden_statement");
        assertThat(stack.post("/v1/tenants/noisy/execute", other, "{\"sql\":\"PRAGMA journal_mode=DELETE\"}").errorCode())
                .isEqualTo("forbidden_statement");
        assertThat(stack.post("/v1/tenants/noisy/query", other, "{\"sql\":\"CREATE TABLE x (a)\"}").errorCode()).isEqualTo("read_only");
        Reply big = stack.post("/v1/tenants/noisy/execute", other, "{\"sql\":\"SELECT '" + "x".repeat(2 << 20) + "'\"}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.errorCode()).isEqualTo("request_too_large");
        String many = json(Map.of("statements", java.util.Collections.nCopies(1001, Map.of("sql", "SELECT 1"))));
        assertThat(stack.post("/v1/tenants/noisy/execute", other, many).errorCode()).isEqualTo("batch_too_large");
        Reply unknown = stack.post("/v1/tenants/nobody/query", ADMIN, "{\"sql\":\"SELECT 1\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo("tenant_not_found");
        assertThat(stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"Bad/Id\"}").errorCode()).isEqualTo("invalid_tenant");
        assertThat(stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"victim\"}").status()).isEqualTo(409);

        Reply ok = stack.post("/v1/tenants/victim/execute", key, "{\"sql\":\"INSERT INTO t VALUES (7)\"}");
        assertThat(ok.status()).isEqualTo(200);
    }

    @Test
    void keysAreScopedToTheirTenantAndRevocableAtOnce() throws Exception {
        String a = stack.createTenant("keys-a");
        String b = stack.createTenant("keys-b");
        Reply cross = stack.post("/v1/tenants/keys-b/query", a, "{\"sql\":\"SELECT 1\"}");
        assertThat(cross.status()).isEqualTo(403);
        assertThat(cross.errorCode()).isEqualTo("forbidden");
        assertThat(stack.post("/v1/tenants/keys-b/query", "cairn_0000000000000000_nope", "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(401);
        assertThat(stack.post("/v1/tenants/keys-b/query", null, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(401);
        Reply twice = stack.call("POST", "/v1/tenants/keys-b/query", a, "{\"sql\":\"SELECT 1\"}", Map.of("Authorization", "Bearer " + ADMIN));
        assertThat(twice.status()).as("two credentials: neither is taken").isEqualTo(401);
        assertThat(twice.body().path("error").path("message").asText()).contains("one");

        Reply issued = stack.post("/v1/tenants/keys-b/keys", ADMIN, "{\"scopes\":[\"read\"]}");
        assertThat(issued.status()).isEqualTo(201);
        String readOnly = issued.text("api_key");
        assertThat(stack.post("/v1/tenants/keys-b/query", readOnly, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(200);
        assertThat(stack.post("/v1/tenants/keys-b/execute", readOnly, "{\"sql\":\"CREATE TABLE t (n)\"}").status()).isEqualTo(403);

        assertThat(stack.call("DELETE", "/v1/tenants/keys-b/keys/" + issued.text("key_id"), ADMIN, null).status()).isEqualTo(200);
        Reply revoked = stack.post("/v1/tenants/keys-b/query", readOnly, "{\"sql\":\"SELECT 1\"}");
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(stack.post("/v1/tenants/keys-b/query", b, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(200);

        // The admin lists the keys: ids, scopes, times, revoked ones marked; never a secret or its hash.
        Reply listed = stack.get("/v1/tenants/keys-b/keys", ADMIN);
        assertThat(listed.status()).isEqualTo(200);
        JsonNode keys = listed.body().path("keys");
        assertThat(keys).hasSize(2);
        assertThat(keys.get(0).path("key_id").asText()).isEqualTo(b.split("_")[1]);
        assertThat(keys.get(0).path("revoked").asBoolean()).isFalse();
        assertThat(keys.get(1).path("key_id").asText()).isEqualTo(issued.text("key_id"));
        assertThat(keys.get(1).path("scopes").toString()).isEqualTo("[\"read\"]");
        assertThat(keys.get(1).path("revoked").asBoolean()).isTrue();
        assertThat(listed.body().toString()).doesNotContain(b.substring(b.indexOf('_', "cairn_".length()) + 1)).doesNotContain("sha256");
        assertThat(stack.get("/v1/tenants/keys-b/keys", b).status()).as("a tenant key may not list keys").isEqualTo(403);
        assertThat(stack.get("/v1/tenants/no-such/keys", ADMIN).errorCode()).isEqualTo("tenant_not_found");

        // A write-only key writes, but cannot read through a write: statements that answer with rows are refused, unlogged.
        String writeOnly = stack.post("/v1/tenants/keys-b/keys", ADMIN, "{\"scopes\":[\"write\"]}").text("api_key");
        assertThat(stack.post("/v1/tenants/keys-b/execute", b, "{\"sql\":\"CREATE TABLE secret (s)\"}").status()).isEqualTo(200);
        assertThat(stack.post("/v1/tenants/keys-b/execute", writeOnly, "{\"sql\":\"INSERT INTO secret VALUES ('x')\"}").status()).isEqualTo(200);
        for (String peek : List.of("SELECT * FROM secret", "INSERT INTO secret VALUES ('y') RETURNING (SELECT group_concat(s) FROM secret)",
                "WITH c AS (SELECT s FROM secret) SELECT * FROM c")) {
            Reply refused = stack.post("/v1/tenants/keys-b/execute", writeOnly, TestStack.json(Map.of("statements", List.of(
                    Map.of("sql", "INSERT INTO secret VALUES ('z')"), Map.of("sql", peek)))));
            assertThat(refused.status()).as(peek + ": " + refused.body()).isEqualTo(403);
            assertThat(refused.body().path("error").path("statement").asInt()).isEqualTo(1);
        }
        assertThat(stack.post("/v1/tenants/keys-b/query", writeOnly, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(403);
        assertThat(stack.post("/v1/tenants/keys-b/query", b, "{\"sql\":\"SELECT count(*) FROM secret\"}").body().path("rows").get(0).get(0).asInt())
                .as("nothing of the refused batches applied").isEqualTo(1);

        // Nor through a trigger's RAISE, whose message is made of the data: the code and statement, not the text.
        assertThat(stack.post("/v1/tenants/keys-b/execute", writeOnly, "{\"statements\":[{\"sql\":\"CREATE TABLE probe (p)\"},"
                + "{\"sql\":\"CREATE TRIGGER leak BEFORE INSERT ON probe BEGIN SELECT RAISE(ABORT, (SELECT 'dump: ' || group_concat(s) FROM secret));"
                + " END\"}]}").status()).isEqualTo(200);
        Reply raised = stack.post("/v1/tenants/keys-b/execute", writeOnly, "{\"sql\":\"INSERT INTO probe VALUES (1)\"}");
        assertThat(raised.errorCode()).isEqualTo("sql_error");
        assertThat(raised.body().path("error").path("message").asText()).as(raised.body().toString()).doesNotContain("dump").contains("withheld");
        Reply readable = stack.post("/v1/tenants/keys-b/execute", b, "{\"sql\":\"INSERT INTO probe VALUES (1)\"}");
        assertThat(readable.body().path("error").path("message").asText()).as("a key that may read gets the text").contains("dump: x");
        // Nor through an error SQLite makes quoting the value that failed (a JSON path read from a row).
        String jsonPath = "{\"sql\":\"INSERT INTO secret VALUES (json_extract('{}', (SELECT s FROM secret LIMIT 1)))\"}";
        Reply quoted = stack.post("/v1/tenants/keys-b/execute", writeOnly, jsonPath);
        assertThat(quoted.errorCode()).isEqualTo("sql_error");
        assertThat(quoted.body().path("error").path("message").asText()).as(quoted.body().toString()).doesNotContain("'x'").contains("withheld");
        assertThat(stack.post("/v1/tenants/keys-b/execute", b, jsonPath).body().path("error").path("message").asText()).contains("'x'");
    }

    @Test
    void aFieldTheRequestDoesNotTakeIsRefusedNotIgnored() throws Exception {
        String key = stack.createTenant("typos");
        Reply created = stack.post("/v1/tenants/typos/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        String bookmark = created.text("bookmark");
        stack.post("/v1/tenants/typos/execute", key, "{\"sql\":\"INSERT INTO t VALUES (1)\"}");
        // Misspelled, the condition would be ignored and the write applied although the tenant changed.
        Reply typo = stack.post("/v1/tenants/typos/execute", key, "{\"sql\":\"INSERT INTO t VALUES (2)\",\"if_unchanged\":\"" + bookmark + "\"}");
        assertThat(typo.status()).isEqualTo(400);
        assertThat(typo.errorCode()).isEqualTo("invalid_request");
        assertThat(typo.body().path("error").path("message").asText()).contains("\"if_unchanged\"").contains("if_unchanged_since");
        assertThat(stack.post("/v1/tenants/typos/execute", key, "{\"statements\":[{\"sql\":\"INSERT INTO t VALUES (3)\",\"param\":[1]}]}")
                .body().path("error").path("message").asText()).contains("\"statements[0].param\"");
        assertThat(stack.post("/v1/tenants/typos/query", key, "{\"sql\":\"SELECT 1\",\"consistancy\":\"strong\"}").errorCode())
                .isEqualTo("invalid_request");
        assertThat(stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"typos-2\",\"templat\":\"app\"}").errorCode()).isEqualTo("invalid_request");
        // A field sent as null (an unset variable in the client) is refused too: taken for "left out", the condition
        // would be dropped just as silently.
        for (String body : List.of("{\"sql\":\"INSERT INTO t VALUES (5)\",\"if_unchanged_since\":null}",
                "{\"sql\":\"INSERT INTO t VALUES (5)\",\"params\":null}")) {
            Reply nulled = stack.post("/v1/tenants/typos/execute", key, body);
            assertThat(nulled.errorCode()).as(body).isEqualTo("invalid_request");
            assertThat(nulled.body().path("error").path("message").asText()).contains("is null");
        }
        Reply nullRead = stack.post("/v1/tenants/typos/query", key, "{\"sql\":\"SELECT 1\",\"bookmark\":null}");
        assertThat(nullRead.body().path("error").path("field").asText()).as(nullRead.body().toString()).isEqualTo("bookmark");
        // In the URL too: a parameter the route does not take is refused, and so is a body on a delete.
        Reply param = stack.post("/v1/tenants/typos/execute?wiat=false", key, "{\"sql\":\"INSERT INTO t VALUES (4)\"}");
        assertThat(param.errorCode()).as(param.body().toString()).isEqualTo("invalid_request");
        assertThat(param.body().path("error").path("field").asText()).isEqualTo("wiat");
        assertThat(stack.call("DELETE", "/v1/tenants/typos?dry_run=true", ADMIN, null).errorCode()).isEqualTo("invalid_request");
        assertThat(stack.call("DELETE", "/v1/tenants/typos", ADMIN, "{\"dry_run\":true}").errorCode()).isEqualTo("invalid_request");
        assertThat(stack.get("/health?probe=alb", null).status()).as("health checks are not checked").isEqualTo(200);
        assertThat(stack.get("/v1/openapi.json?bogus=1", null).errorCode()).as("the API's document is a /v1 route").isEqualTo("invalid_request");
        assertThat(stack.post("/v1/tenants/typos/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}").body().path("rows").get(0).get(0).asInt())
                .as("nothing of the refused writes applied").isEqualTo(1);
        assertThat(stack.get("/v1/tenants/typos-2", ADMIN).status()).isEqualTo(404);
    }

    @Test
    void deletedTenantIsGoneWithItsFile() throws Exception {
        String key = stack.createTenant("doomed");
        stack.post("/v1/tenants/doomed/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        Path file = new io.cairn.tenantdb.sqlite.TenantFiles(data.resolve("hot")).database("doomed");
        assertThat(Files.exists(file)).isTrue();
        assertThat(stack.call("DELETE", "/v1/tenants/doomed", ADMIN, null).status()).isEqualTo(200);
        assertThat(Files.exists(file)).isFalse();
        assertThat(stack.post("/v1/tenants/doomed/query", ADMIN, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(404);
        Reply oldKey = stack.post("/v1/tenants/doomed/execute", key, "{\"sql\":\"SELECT 1\"}");
        assertThat(oldKey.status()).as("a deleted tenant's keys are gone with it").isEqualTo(401);
        assertThat(oldKey.errorCode()).isEqualTo("unauthorized");
        assertThat(stack.get("/v1/tenants/doomed", ADMIN).status()).isEqualTo(404);
    }

    /**
     * Reads racing the delete of their tenant: one that began before the applier removed the file found it gone
     * before this edge's directory said why, and was answered 503 tenant_recovering (with a repair asked of the
     * applier and an ERROR logged), or 500 when the file went while SQLite opened it. A read concurrent with a
     * delete sees the tenant or not: its rows, or 401/404.
     */
    @Test
    void aReadRacingItsTenantsDeleteGetsRowsOrNotFoundNeverAnError() throws Exception {
        java.util.Map<String, Integer> answers = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < 10; i++) {
            String tenant = "racing-" + i;
            String key = stack.createTenant(tenant);
            stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"statements\":[{\"sql\":\"CREATE TABLE t (n INTEGER)\"},"
                    + "{\"sql\":\"INSERT INTO t VALUES (7)\"}]}");
            java.util.concurrent.atomic.AtomicBoolean deleted = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> readers = new java.util.ArrayList<>();
            for (int r = 0; r < 3; r++) {
                readers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int n = 0; n < 200 && !(deleted.get() && n > 20); n++) {
                            Reply read = stack.post("/v1/tenants/" + tenant + "/query", key, "{\"sql\":\"SELECT n FROM t\"}");
                            answers.merge(read.status() == 200 ? read.body().path("rows").toString() : read.status() + " " + read.errorCode(), 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        answers.merge(e.toString(), 1, Integer::sum);
                    }
                }));
            }
            assertThat(stack.call("DELETE", "/v1/tenants/" + tenant, ADMIN, null).status()).isEqualTo(200);
            deleted.set(true);
            for (Thread t : readers) t.join();
        }
        assertThat(answers.keySet()).as("answers of reads racing a delete: %s", answers)
                .allMatch(a -> a.equals("[[7]]") || a.equals("401 unauthorized") || a.equals("404 tenant_not_found"));
    }

    @Test
    void retryWithIdempotencyKeyAppliesOnceAndReturnsFirstOutcome() throws Exception {
        String key = stack.createTenant("retry");
        stack.post("/v1/tenants/retry/execute", key, "{\"sql\":\"CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)\"}");
        String body = "{\"sql\":\"INSERT INTO t (v) VALUES ('once')\"}";
        Map<String, String> idem = Map.of("Idempotency-Key", "order-42");
        Reply first = stack.call("POST", "/v1/tenants/retry/execute", key, body, idem);
        Reply again = stack.call("POST", "/v1/tenants/retry/execute", key, body, idem);
        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.replayedHeader()).isEqualTo("true");
        assertThat(again.body().path("results")).isEqualTo(first.body().path("results"));
        Reply reused = stack.call("POST", "/v1/tenants/retry/execute", key, "{\"sql\":\"INSERT INTO t (v) VALUES ('other')\"}", idem);
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.errorCode()).isEqualTo("idempotency_key_reused");
        Reply count = stack.post("/v1/tenants/retry/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}");
        assertThat(count.body().path("rows").get(0).get(0).asLong()).isEqualTo(1);

        // Two keys on one request: whichever counted, a retry with the other would apply it again. Refused, nothing applied.
        java.net.http.HttpResponse<String> two = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(stack.url() + "/v1/tenants/retry/execute")).header("Authorization", "Bearer " + key)
                .header("Idempotency-Key", "order-43").header("Idempotency-Key", "order-44")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(two.statusCode()).as(two.body()).isEqualTo(400);
        assertThat(two.body()).contains("invalid_request");
        assertThat(stack.post("/v1/tenants/retry/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}").body().path("rows").get(0).get(0).asLong())
                .isEqualTo(1);
    }

    @Test
    void checksumIsStableForTheSameContentAndMovesWithWrites() throws Exception {
        String key = stack.createTenant("sums");
        Reply w = stack.post("/v1/tenants/sums/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        Reply a = stack.get("/v1/tenants/sums/checksum", key);
        Reply b = stack.get("/v1/tenants/sums/checksum", key);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.text("sha256")).hasSize(64).isEqualTo(b.text("sha256"));
        assertThat(a.text("bookmark")).isEqualTo(w.text("bookmark"));
        stack.post("/v1/tenants/sums/execute", key, "{\"sql\":\"INSERT INTO t VALUES (1)\"}");
        assertThat(stack.get("/v1/tenants/sums/checksum", key).text("sha256")).isNotEqualTo(a.text("sha256"));
    }

    @Test
    void aMethodOverrideHeaderIsRefusedNotActedOn() throws Exception {
        stack.createTenant("override");
        Reply issued = stack.post("/v1/tenants/override/keys", ADMIN, "{\"scopes\":[\"read\"]}");
        String keyId = issued.text("key_id");
        // A gateway allowing only POST here would let this revoke the key if the edge took the header's method.
        HttpResponse<String> r = raw("POST", "/v1/tenants/override/keys/" + keyId, Map.of("X-HTTP-Method-Override", "DELETE"), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("\"invalid_request\"").contains("X-HTTP-Method-Override");
        assertThat(stack.post("/v1/tenants/override/query", issued.text("api_key"), "{\"sql\":\"SELECT 1\"}").status())
                .as("the key was not revoked").isEqualTo(200);
    }

    @Test
    void anEncodedBodyIsRefusedNotMisread() throws Exception {
        String key = stack.createTenant("encoded");
        stack.post("/v1/tenants/encoded/execute", key, "{\"sql\":\"CREATE TABLE t (n INTEGER)\"}");
        byte[] write = "{\"sql\":\"INSERT INTO t VALUES (1)\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream gzipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(gzipped)) {
            gz.write(write);
        }
        // Compressed, the body was read as JSON text (invalid_json); plain but labelled gzip, it was applied.
        for (byte[] body : List.of(gzipped.toByteArray(), write)) {
            HttpResponse<String> r = raw("POST", "/v1/tenants/encoded/execute", Map.of("Content-Encoding", "gzip"), body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(415);
            assertThat(r.body()).contains("\"unsupported_media_type\"").contains("Content-Encoding");
        }
        assertThat(raw("POST", "/v1/tenants/encoded/execute", Map.of("Content-Encoding", "identity"), write).statusCode()).isEqualTo(200);
        assertThat(stack.post("/v1/tenants/encoded/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}").body().path("rows").get(0).get(0).asInt())
                .as("only the write sent without an encoding applied").isEqualTo(1);
    }

    @Test
    void aMethodAPathDoesNotTakeIsAnswered405WithTheMethodsItTakes() throws Exception {
        stack.createTenant("allow");
        assertThat(stack.call("PATCH", "/v1/tenants/allow", ADMIN, null).errorCode()).isEqualTo("method_not_allowed");
        HttpResponse<String> r = raw("PATCH", "/v1/tenants/allow", Map.of(), null);
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).as("RFC 9110: a 405 lists what the path takes").contains("DELETE, GET");
        assertThat(raw("PUT", "/v1/tenants/allow/keys", Map.of(), null).headers().firstValue("Allow")).contains("GET, POST");
        // HEAD ran no route: it answered 200, without authentication, even for a tenant that does not exist.
        assertThat(stack.call("HEAD", "/v1/tenants/no-such-tenant", null, null).status()).isEqualTo(405);
        HttpResponse<String> head = raw("HEAD", "/v1/tenants/allow", Map.of(), null);
        assertThat(head.statusCode()).isEqualTo(405);
        assertThat(head.headers().firstValue("Allow")).contains("DELETE, GET");
    }

    /**
     * An admin request sent as is, for what the OpenAPI contract check cannot take: a method the document does not
     * describe on a path, a code its error enum does not list yet, or a header that matters to the answer.
     */
    private static HttpResponse<String> raw(String method, String path, Map<String, String> headers, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url() + path)).timeout(Duration.ofSeconds(40))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + ADMIN);
        headers.forEach(b::header);
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
