package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.infra.TestStack.Reply;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet migrations end to end on a real broker and applier: registration with its refusals, a run over
 * many tenants where one fails and rolls back alone, a writer racing the run on the same tenant, the
 * status, and a rebuild from the log that reaches the same files.
 */
class MigrationIT {
    @TempDir static Path data;
    static SnapshotBucket bucket;
    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        bucket = SnapshotBucket.start(data.resolve("s3"));
        // Three heavy-lane workers, whatever the machine: runs are applied by several at once.
        stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()).withApplier(a -> a.withHeavyLaneThreads(3)));
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
        if (bucket != null) bucket.close();
    }

    @Test
    void aColdTenantIsNotThawedByARunButItsNextReadSeesTheNewSchema() throws Exception {
        assertThat(put("cold-app", 1, "{\"sql\":\"CREATE TABLE items (id INTEGER PRIMARY KEY)\"}").status()).isEqualTo(201);
        assertThat(put("cold-app", 2, "{\"sql\":\"ALTER TABLE items ADD COLUMN sku TEXT\"}").status()).isEqualTo(201);
        String coldKey = stack.createTenant("mig-cold");
        String exportedKey = stack.createTenant("mig-cold-export");
        stack.createTenant("mig-warm");
        for (String cold : List.of("mig-cold", "mig-cold-export")) {
            Reply frozen = stack.post("/v1/tenants/" + cold + "/tier", ADMIN, "{\"tier\":\"cold\"}");
            assertThat(frozen.status()).as(frozen.body().toString()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(30)).until(() -> "cold".equals(stack.get("/v1/tenants/" + cold, ADMIN).text("tier")));
        }
        Reply run = stack.post("/v1/migrations/cold-app/runs", ADMIN, "{\"tenants\":[\"mig-cold\",\"mig-cold-export\",\"mig-warm\"]}");
        assertThat(run.status()).as(run.body().toString()).isEqualTo(202);
        JsonNode status = awaitDone("cold-app", run.text("run_id"));
        JsonNode dry = stack.post("/v1/migrations/cold-app/runs", ADMIN, "{\"dry_run\":true,\"tenants\":[\"mig-cold\",\"mig-cold-export\",\"mig-warm\"]}").body();
        assertThat(List.of(dry.path("sampled").asInt(), dry.path("not_sampled_cold").asInt(), dry.path("already_at_target").asInt()))
                .as("tried, cold, there: %s", dry).isEqualTo(List.of(0, 2, 1));
        assertThat(status.path("applied").asInt()).isEqualTo(1);
        assertThat(status.path("waiting_for_cold").asInt()).isEqualTo(2);
        assertThat(status.path("complete").asBoolean()).isFalse();
        assertThat(stack.get("/v1/tenants/mig-cold", ADMIN).text("tier")).as("a run thaws nobody").isEqualTo("cold");
        assertThat(new TenantFiles(data.resolve("hot")).exists("mig-cold")).isFalse();

        Reply cols = stack.post("/v1/tenants/mig-cold/query", coldKey, "{\"sql\":\"SELECT name FROM pragma_table_info('items') ORDER BY cid\"}");
        assertThat(cols.status()).as(cols.body().toString()).isEqualTo(200);
        assertThat(cols.body().path("rows").toString()).as("its first read after the run").isEqualTo("[[\"id\"],[\"sku\"]]");
        // So does an export: the snapshot is not the tenant's content while a version waits in its cold tail.
        assertThat(stack.exportSql("mig-cold-export", exportedKey)).as("its export after the run").contains("sku");
        JsonNode after = await().atMost(Duration.ofSeconds(30)).until(
                () -> stack.get("/v1/migrations/cold-app/runs/" + run.text("run_id"), ADMIN).body(), s -> s.path("complete").asBoolean());
        assertThat(after.path("applied").asInt()).isEqualTo(3);
    }

    @Test
    void registrationKeepsVersionsImmutableGapFreeAndWithinTheWritePolicy() throws Exception {
        Reply v1 = put("reg", 1, "{\"operations\":[{\"op\":\"create_table\",\"table\":\"users\",\"columns\":["
                + "{\"name\":\"id\",\"type\":\"INTEGER\",\"primary_key\":true},{\"name\":\"name\",\"type\":\"TEXT\",\"not_null\":true,\"default\":\"\"}]}],"
                + "\"description\":\"create users\"}");
        assertThat(v1.status()).as(v1.body().toString()).isEqualTo(201);
        String checksum = v1.text("checksum");
        assertThat(checksum).hasSize(64);

        Reply again = put("reg", 1, "{\"operations\":[{\"op\":\"create_table\",\"table\":\"users\",\"columns\":["
                + "{\"name\":\"id\",\"type\":\"INTEGER\",\"primary_key\":true},{\"name\":\"name\",\"type\":\"TEXT\",\"not_null\":true,\"default\":\"\"}]}]}");
        assertThat(again.status()).as("the same content again is fine").isEqualTo(200);
        assertThat(again.body().path("registered").asBoolean()).isFalse();
        Reply renamed = put("reg", 1, "{\"operations\":[{\"op\":\"create_table\",\"table\":\"users\",\"columns\":["
                + "{\"name\":\"id\",\"type\":\"INTEGER\",\"primary_key\":true},{\"name\":\"name\",\"type\":\"TEXT\",\"not_null\":true,\"default\":\"\"}]}],"
                + "\"description\":\"make users\"}");
        assertThat(renamed.errorCode()).as("another description is not dropped in silence").isEqualTo("version_conflict");

        Reply changed = put("reg", 1, "{\"sql\":\"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)\"}");
        assertThat(changed.status()).isEqualTo(409);
        assertThat(changed.errorCode()).isEqualTo("version_conflict");
        assertThat(changed.body().path("error").path("checksum").asText()).isEqualTo(checksum);

        Reply gap = put("reg", 3, "{\"sql\":\"ALTER TABLE users ADD COLUMN x\"}");
        assertThat(gap.status() + " " + gap.errorCode()).isEqualTo("409 version_gap");
        assertThat(gap.body().path("error").path("latest_version").isInt()).as("a number: " + gap.body()).isTrue();
        Reply zeroPadded = stack.call("PUT", "/v1/migrations/reg/versions/01", ADMIN, "{\"sql\":\"CREATE TABLE users (id)\"}");
        assertThat(zeroPadded.errorCode() + zeroPadded.body().path("error").path("message").asText()).as("one version, one name, and why")
                .startsWith("invalid_request").contains("'01'", "leading zeros");
        assertThat(stack.call("PUT", "/v1/migrations/reg/versions/99999999999", ADMIN, "{\"sql\":\"CREATE TABLE users (id)\"}")
                .body().path("error").path("message").asText()).as("past an int: the bound is named").contains("2147483647");
        assertThat(put("reg", 2, "{\"sql\":\"ALTER TABLE users ADD COLUMN x\",\"descripton\":\"typo\"}").errorCode())
                .as("a misspelled field of a version").isEqualTo("invalid_request");
        assertThat(put("reg", 2, "{\"operations\":[{\"op\":\"add_column\",\"table\":\"users\",\"column\":{\"name\":\"y\",\"not_nul\":true,"
                + "\"default\":0}}]}").errorCode()).as("a misspelled field of an operation's column").isEqualTo("invalid_request");

        assertThat(put("reg", 2, "{\"statements\":[\"ALTER TABLE users ADD COLUMN x\",\"ATTACH 'x.db' AS x\"]}").errorCode())
                .isEqualTo("forbidden_statement");
        assertThat(put("reg", 2, "{\"sql\":\"INSERT INTO users (name) VALUES (sqlite_version())\"}").errorCode()).isEqualTo("nondeterministic");
        assertThat(put("reg", 2, "{\"sql\":\"CREATE TABLE _cairn_x (a)\"}").errorCode()).isEqualTo("reserved_name");
        Reply vague = put("reg", 2, "{\"operations\":[{\"op\":\"create_table\",\"table\":\"t\",\"columns\":["
                + "{\"name\":\"id\",\"type\":\"INTEGER\",\"not_null\":\"yes\"}]}]}");
        assertThat(vague.errorCode()).as("a flag is true or false, not a string taken for no").isEqualTo("invalid_request");
        assertThat(vague.body().path("error").path("message").asText()).contains("not_null");
        assertThat(put("reg", 2, "{\"sql\":\"BEGIN\"}").errorCode()).isEqualTo("transaction_control");
        Reply twice = put("reg", 2, "{\"sql\":\"ALTER TABLE users ADD COLUMN name TEXT\"}"); // fails on every tenant at version 1
        assertThat(twice.errorCode()).as(twice.body().toString()).isEqualTo("sql_error");
        assertThat(twice.body().path("error").path("message").asText()).contains("duplicate column name: name", "nothing was registered");
        assertThat(put("reg", 2, "{}").errorCode()).isEqualTo("invalid_request");
        assertThat(stack.call("PUT", "/v1/migrations/reg/versions/2", null, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(401);

        JsonNode set = stack.get("/v1/migrations/reg", ADMIN).body();
        assertThat(set.path("latest_version").asInt()).isEqualTo(1);
        assertThat(set.path("versions").get(0).path("statements").get(0).asText())
                .isEqualTo("CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY, \"name\" TEXT NOT NULL DEFAULT '')");
    }

    @Test
    void anEdgeReadingTheTopicAfreshSeesEveryAcknowledgedVersion() throws Exception {
        for (int v = 1; v <= 12; v++) {
            Reply r = put("reread", v, "{\"sql\":\"CREATE TABLE t" + v + " (a)\"}");
            assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
        }
        // As an edge started later (or restarted) reads it: from the start, every partition.
        io.cairn.edge.migrate.MigrationCatalog fresh = new io.cairn.edge.migrate.MigrationCatalog();
        try (io.cairn.edge.migrate.MigrationFeed feed = new io.cairn.edge.migrate.MigrationFeed(fresh, stack.kafkaProperties())) {
            feed.start();
            org.awaitility.Awaitility.await("the fresh reader").atMost(java.time.Duration.ofSeconds(30)).until(feed::ready);
            assertThat(fresh.latest("reread")).as("versions acknowledged 201, read back by a new reader").isEqualTo(12);
        }
    }

    @Test
    void aRunMigratesEveryTenantInOneTransactionEachAndAFailureRollsBackOnlyItsTenant() throws Exception {
        assertThat(put("app", 1, "{\"sql\":\"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)\"}").status()).isEqualTo(201);
        assertThat(put("app", 2, "{\"statements\":[\"ALTER TABLE items ADD COLUMN sku TEXT\","
                + "\"CREATE INDEX items_sku ON items (sku)\"]}").status()).isEqualTo(201);
        List<String> tenants = new ArrayList<>();
        Map<String, String> keys = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            String t = "mig-" + i;
            keys.put(t, stack.createTenant(t));
            tenants.add(t);
        }
        // mig-0 already has an object named items_sku: version 2 fails there, and version 1 is rolled back with it.
        stack.post("/v1/tenants/mig-0/execute", keys.get("mig-0"), "{\"sql\":\"CREATE TABLE items_sku (x)\"}");
        // mig-1 is written to while the run goes on: every acknowledged write must be there, in log order.
        stack.post("/v1/tenants/mig-1/execute", keys.get("mig-1"), "{\"sql\":\"CREATE TABLE log (n INTEGER)\"}");
        AtomicBoolean stop = new AtomicBoolean();
        List<Integer> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int n = 0; !stop.get(); n++) {
                try {
                    if (stack.post("/v1/tenants/mig-1/execute", keys.get("mig-1"), "{\"sql\":\"INSERT INTO log VALUES (" + n + ")\"}").status() == 200) {
                        acknowledged.add(n);
                    }
                } catch (Exception e) {
                    return;
                }
            }
        });

        Reply run = stack.post("/v1/migrations/app/runs", ADMIN, "{\"target_version\":2,\"tenants\":" + TestStack.json(tenants) + "}");
        assertThat(run.status()).as(run.body().toString()).isEqualTo(202);
        String runId = run.text("run_id");
        JsonNode status = awaitDone("app", runId);
        stop.set(true);
        writer.join();
        assertThat(status.path("applied").asInt()).isEqualTo(11);
        assertThat(status.path("failed").asInt()).isEqualTo(1);
        JsonNode failure = status.path("failures").get(0);
        assertThat(failure.path("tenant").asText()).isEqualTo("mig-0");
        assertThat(failure.path("failed_version").asInt()).isEqualTo(2);
        assertThat(failure.path("version").asInt()).as("version 1 rolled back with it").isEqualTo(0);
        assertThat(failure.path("error").asText()).contains("version 2, statement 2").contains("items_sku");

        Reply info = stack.get("/v1/tenants/mig-3", ADMIN);
        assertThat(info.body().path("migrations").path("app").path("version").asInt()).isEqualTo(2);
        assertThat(info.body().path("schema_version").asInt()).as("what the fleet listing filters on").isEqualTo(2);
        assertThat(stack.get("/v1/tenants/mig-0", ADMIN).body().path("schema_version").asInt()).as("failed: unchanged").isZero();
        Reply cols = stack.post("/v1/tenants/mig-3/query", keys.get("mig-3"), "{\"sql\":\"SELECT name FROM pragma_table_info('items') ORDER BY cid\"}");
        assertThat(cols.body().path("rows").toString()).isEqualTo("[[\"id\"],[\"name\"],[\"sku\"]]");
        Reply none = stack.post("/v1/tenants/mig-0/query", keys.get("mig-0"), "{\"sql\":\"SELECT count(*) FROM sqlite_schema WHERE name = 'items'\"}");
        assertThat(none.body().path("rows").toString()).as("mig-0 kept its old schema").isEqualTo("[[0]]");
        Reply logged = stack.post("/v1/tenants/mig-1/query", keys.get("mig-1"), "{\"sql\":\"SELECT count(*) FROM log\"}");
        assertThat(logged.body().path("rows").get(0).get(0).asInt()).isGreaterThanOrEqualTo(acknowledged.size());

        // A tenant whose schema changed outside the set shows as drift from what the set's versions build:
        // mig-1 has its own table (log), mig-5 gets an index of its own, mig-0 (still at 0) has items_sku.
        // A tenant the set never reached is listed apart, not as drift: mig-outside, with a table of its own.
        stack.post("/v1/tenants/mig-5/execute", keys.get("mig-5"), "{\"sql\":\"CREATE INDEX items_name ON items (name)\"}");
        stack.post("/v1/tenants/mig-outside/execute", stack.createTenant("mig-outside"), "{\"sql\":\"CREATE TABLE own (x)\"}");
        JsonNode drift = await().atMost(Duration.ofSeconds(30)).until(() -> stack.get("/v1/migrations/app/drift", ADMIN).body(),
                d -> d.path("versions").get(1).path("drifted").size() == 2 && d.path("not_reached_tenants").toString().contains("mig-outside"));
        JsonNode atZero = drift.path("versions").get(0);
        assertThat(atZero.path("version").asInt()).isZero();
        assertThat(atZero.path("expected_from").asText()).isEqualTo("set");
        assertThat(atZero.path("drifted").findValuesAsText("tenant")).contains("mig-0").doesNotContain("mig-outside");
        JsonNode atTwo = drift.path("versions").get(1);
        assertThat(atTwo.path("version").asInt()).isEqualTo(2);
        assertThat(atTwo.path("tenants").asInt()).isEqualTo(11);
        assertThat(atTwo.path("expected_from").asText()).isEqualTo("set");
        assertThat(atTwo.path("schemas").asInt()).isEqualTo(3);
        assertThat(atTwo.path("drifted").findValuesAsText("tenant")).containsExactlyInAnyOrder("mig-1", "mig-5");

        // Fix the cause and run again: only mig-0 had anything left to do.
        stack.post("/v1/tenants/mig-0/execute", keys.get("mig-0"), "{\"sql\":\"DROP TABLE items_sku\"}");
        Reply again = stack.post("/v1/migrations/app/runs", ADMIN, "{\"tenants\":" + TestStack.json(tenants) + "}");
        assertThat(again.text("target_version")).isEqualTo("2");
        JsonNode second = awaitDone("app", again.text("run_id"));
        assertThat(second.path("applied").asInt()).isEqualTo(12);
        assertThat(second.path("failed").asInt()).isZero();

        // The log holds it all: a rebuild reaches the same files, failures included.
        Path rebuilt = data.resolve("rebuilt");
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt)).replayAll(t -> t.startsWith("mig-"), p -> { });
        for (String t : tenants) assertThat(TestStack.fileChecksum(rebuilt, t)).as(t).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), t));
    }

    @Test
    void theCliRegistersAFolderOfFlywayFilesRunsItAndExitsNonZeroWhenATenantFailed() throws Exception {
        String a = stack.createTenant("cli-a");
        stack.createTenant("cli-b");
        Path dir = data.resolve("migrations");
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve("V1__create_items.sql"), "-- the first table\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);\n");
        java.nio.file.Files.writeString(dir.resolve("V2__add_sku.sql"), "ALTER TABLE items ADD COLUMN sku TEXT;\nCREATE INDEX items_sku ON items (sku);\n");
        assertThat(migrate(dir, "cli-a,cli-b")).isZero();
        assertThat(stack.get("/v1/migrations/cli", ADMIN).body().path("versions").get(1).path("description").asText()).isEqualTo("add sku");
        Reply cols = stack.post("/v1/tenants/cli-a/query", a, "{\"sql\":\"SELECT count(*) FROM pragma_table_info('items')\"}");
        assertThat(cols.body().path("rows").toString()).isEqualTo("[[3]]");

        // V3 fails on cli-b only (it has a table of that name already); the command says so with exit 1.
        java.nio.file.Files.writeString(dir.resolve("V3__tags.sql"), "CREATE TABLE tags (name TEXT);");
        stack.post("/v1/tenants/cli-b/execute", ADMIN, "{\"sql\":\"CREATE TABLE tags (x)\"}");
        assertThat(migrate(dir, "cli-a,cli-b")).isEqualTo(1);
        java.nio.file.Files.writeString(dir.resolve("V3__tags.sql"), "CREATE TABLE tags (name TEXT, n INTEGER);");
        assertThat(migrate(dir, "cli-a")).as("a registered version never changes").isEqualTo(2);
        java.nio.file.Files.writeString(dir.resolve("V3__tags.sql"), "CREATE TABLE tags (name TEXT);");

        // A .sql file that is not V<n>__... (a typo, a repeatable R__ file) would be skipped in silence: refused, nothing registered.
        java.nio.file.Files.writeString(dir.resolve("V4_add_note.sql"), "ALTER TABLE items ADD COLUMN note TEXT;");
        java.nio.file.Files.writeString(dir.resolve("README.md"), "not a migration, and not a .sql file");
        assertThat(migrate(dir, "cli-a")).isEqualTo(2);
        assertThat(stack.get("/v1/migrations/cli", ADMIN).body().path("versions").size()).isEqualTo(3);
        java.nio.file.Files.move(dir.resolve("V4_add_note.sql"), dir.resolve("V4__add_note.sql"));

        // A dry run tries the folder without registering it: V4, found broken (a typo), is fixed in place and tried again.
        java.nio.file.Files.writeString(dir.resolve("V4__add_note.sql"), "ALTER TABLE itemz ADD COLUMN note TEXT;");
        assertThat(migrate(dir, "cli-a", "--dry-run")).as("would fail").isEqualTo(1);
        assertThat(stack.get("/v1/migrations/cli", ADMIN).body().path("versions").size()).as("nothing registered").isEqualTo(3);
        java.nio.file.Files.writeString(dir.resolve("V4__add_note.sql"), "ALTER TABLE items ADD COLUMN note TEXT;");
        assertThat(migrate(dir, "cli-a", "--dry-run")).isZero();
        assertThat(stack.get("/v1/migrations/cli", ADMIN).body().path("versions").size()).isEqualTo(3);
        Reply notDry = stack.post("/v1/migrations/cli/runs", ADMIN, "{\"tenants\":[\"cli-a\"],\"versions\":[{\"version\":4,\"sql\":\"SELECT 1\"}]}");
        assertThat(notDry.errorCode()).as("versions are only tried").isEqualTo("invalid_request");
        Reply changed = stack.post("/v1/migrations/cli/runs", ADMIN, "{\"dry_run\":true,\"tenants\":[\"cli-a\"],"
                + "\"versions\":[{\"version\":3,\"sql\":\"CREATE TABLE other (x)\"}]}");
        assertThat(changed.errorCode()).as("a registered version never changes").isEqualTo("version_conflict");
        assertThat(migrate(dir, "cli-a")).isZero();
        assertThat(stack.get("/v1/migrations/cli", ADMIN).body().path("versions").size()).isEqualTo(4);
    }

    private static int migrate(Path dir, String tenants, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--set", "cli", "--dir", dir.toString(), "--tenants", tenants, "--url", stack.url(),
                "--token", ADMIN));
        args.addAll(List.of(more));
        return new picocli.CommandLine(new io.cairn.infra.cli.MigrateCommand()).execute(args.toArray(String[]::new));
    }

    @Test
    void aTenantCreatedFromATemplateStartsAtTheLatestVersionWithTheContentOfOneMigratedStepByStep() throws Exception {
        assertThat(put("tpl", 1, "{\"sql\":\"CREATE TABLE plans (id INTEGER PRIMARY KEY, name TEXT NOT NULL)\"}").status()).isEqualTo(201);
        assertThat(put("tpl", 2, "{\"statements\":[\"INSERT INTO plans (name) VALUES ('free'), ('pro')\","
                + "\"ALTER TABLE plans ADD COLUMN tier TEXT NOT NULL DEFAULT 'basic'\"]}").status()).isEqualTo(201);
        assertThat(put("tpl", 3, "{\"sql\":\"CREATE UNIQUE INDEX plans_name ON plans (name)\"}").status()).isEqualTo(201);

        Reply made = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"tpl-new\",\"template\":\"tpl\"}");
        assertThat(made.status()).as(made.body().toString()).isEqualTo(201);
        assertThat(made.body().path("template").path("version").asInt()).as(made.body().toString()).isEqualTo(3);
        assertThat(stack.get("/v1/tenants/tpl-new", ADMIN).body().path("migrations").path("tpl").path("version").asInt()).isEqualTo(3);
        Reply rows = stack.post("/v1/tenants/tpl-new/query", made.text("api_key"), "{\"sql\":\"SELECT name FROM plans ORDER BY id\"}");
        assertThat(rows.body().path("rows").toString()).as("readable with its key at once").isEqualTo("[[\"free\"],[\"pro\"]]");

        stack.createTenant("tpl-old");
        for (int v = 1; v <= 3; v++) {
            Reply run = stack.post("/v1/migrations/tpl/runs", ADMIN, "{\"target_version\":" + v + ",\"tenants\":[\"tpl-old\"]}");
            assertThat(awaitDone("tpl", run.text("run_id")).path("applied").asInt()).isEqualTo(1);
        }
        assertThat(TestStack.fileChecksum(data.resolve("hot"), "tpl-new")).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), "tpl-old"));
        // The first creation prepared the template's file; the next is written from it, with the same content.
        Reply second = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"tpl-next\",\"template\":\"tpl\"}");
        assertThat(second.body().path("template").path("version").asInt()).as(second.body().toString()).isEqualTo(3);
        assertThat(TestStack.fileChecksum(data.resolve("hot"), "tpl-next")).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), "tpl-old"));
        Reply written = stack.post("/v1/tenants/tpl-next/execute", second.text("api_key"), "{\"sql\":\"INSERT INTO plans (name) VALUES ('team')\"}");
        assertThat(written.status()).as(written.body().toString()).isEqualTo(200);
        assertThat(stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"tpl-next\",\"template\":\"tpl\"}").status())
                .as("an existing tenant is never overwritten by a template").isEqualTo(409);
        Reply kept = stack.post("/v1/tenants/tpl-next/query", second.text("api_key"), "{\"sql\":\"SELECT count(*) FROM plans\"}");
        assertThat(kept.body().path("rows").toString()).isEqualTo("[[3]]");

        // A template whose SQL reads the clock is not shared: each tenant runs it at its own creation's time.
        assertThat(put("tplnow", 1, "{\"statements\":[\"CREATE TABLE meta (k TEXT, at TEXT)\","
                + "\"INSERT INTO meta VALUES ('created', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))\"]}").status()).isEqualTo(201);
        for (String t : List.of("tpl-now-a", "tpl-now-b")) {
            java.time.Instant before = java.time.Instant.now().minusMillis(1);
            Reply made2 = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"" + t + "\",\"template\":\"tplnow\"}");
            java.time.Instant after = java.time.Instant.now().plusMillis(1);
            assertThat(made2.body().path("template").path("version").asInt()).as(made2.body().toString()).isEqualTo(1);
            Reply at = stack.post("/v1/tenants/" + t + "/query", made2.text("api_key"), "{\"sql\":\"SELECT at FROM meta\"}");
            assertThat(java.time.Instant.parse(at.body().path("rows").get(0).get(0).asText())).as(t).isBetween(before, after);
        }

        // A template whose versions fail on an empty file: no tenant, and the answer says why (all or nothing, as a fork).
        assertThat(put("tplbad", 1, "{\"sql\":\"CREATE TABLE a (x)\"}").status()).isEqualTo(201);
        assertThat(put("tplbad", 2, "{\"sql\":\"INSERT INTO not_there VALUES (1)\"}").status()).isEqualTo(201);
        Reply bad = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"tpl-bad\",\"template\":\"tplbad\"}");
        assertThat(bad.status()).as(bad.body().toString()).isEqualTo(400);
        assertThat(bad.errorCode()).isEqualTo("sql_error");
        assertThat(bad.body().path("error").path("message").asText()).contains("not created").contains("version 2").contains("not_there");
        assertThat(bad.body().path("error").path("failed_version").isInt()).as("a number, as in the tenant's answer").isTrue();
        assertThat(bad.body().path("error").path("failed_version").asInt()).isEqualTo(2);
        assertThat(stack.get("/v1/tenants/tpl-bad", ADMIN).status()).as("nothing left of it").isEqualTo(404);
        Reply again = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"tpl-bad\"}");
        assertThat(again.status()).as("its id is free: %s", again.body()).isEqualTo(201);

        // The log holds creations from templates whole: a rebuild reaches the same files.
        Path rebuilt = data.resolve("rebuilt-tpl");
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt)).replayAll(t -> t.startsWith("tpl-"), p -> { });
        for (String t : List.of("tpl-new", "tpl-next", "tpl-old", "tpl-now-a", "tpl-now-b", "tpl-bad")) {
            assertThat(TestStack.fileChecksum(rebuilt, t)).as(t).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), t));
        }

        assertThat(stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"tpl-none\",\"template\":\"no-such-set\"}").status()).isEqualTo(404);
        assertThat(stack.get("/v1/tenants/tpl-none", ADMIN).status()).as("nothing created").isEqualTo(404);
    }

    @Test
    void aCanaryWithTooManyFailuresHaltsTheRunAndTheRestIsNeverSent() throws Exception {
        assertThat(put("wave", 1, "{\"sql\":\"CREATE TABLE w (id INTEGER PRIMARY KEY)\"}").status()).isEqualTo(201);
        List<String> tenants = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String t = "wave-" + i;
            String key = stack.createTenant(t);
            if (i < 2) stack.post("/v1/tenants/" + t + "/execute", key, "{\"sql\":\"CREATE TABLE w (x)\"}"); // fails there
            tenants.add(t);
        }
        Reply dry = stack.post("/v1/migrations/wave/runs", ADMIN, "{\"dry_run\":true,\"sample\":5,\"tenants\":" + TestStack.json(tenants) + "}");
        assertThat(dry.status()).as(dry.body().toString()).isEqualTo(200);
        List<String> sampled = new ArrayList<>();
        dry.body().path("sampled_tenants").forEach(t -> sampled.add(t.asText()));
        assertThat(sampled).as("drawn from the whole list").hasSize(5).doesNotHaveDuplicates().isSubsetOf(tenants);
        long failing = sampled.stream().filter(t -> t.equals("wave-0") || t.equals("wave-1")).count();
        assertThat(dry.body().path("would_fail").asInt()).isEqualTo(failing);
        assertThat(dry.body().path("would_apply").asInt()).isEqualTo(5 - failing);
        Reply every = stack.post("/v1/migrations/wave/runs", ADMIN, "{\"dry_run\":true,\"sample\":10,\"tenants\":" + TestStack.json(tenants) + "}");
        assertThat(every.body().path("would_apply").asInt()).isEqualTo(8);
        assertThat(every.body().path("would_fail").asInt()).isEqualTo(2);
        assertThat(every.body().path("failures").get(0).path("error").asText()).contains("already exists");
        Reply vague = stack.post("/v1/migrations/wave/runs", ADMIN, "{\"dry_run\":\"yes\",\"tenants\":" + TestStack.json(tenants) + "}");
        assertThat(vague.errorCode()).as("not a boolean: refused, not taken for a real run").isEqualTo("invalid_request");
        Reply unset = stack.post("/v1/migrations/wave/runs", ADMIN, "{\"dry_run\":null,\"tenants\":" + TestStack.json(tenants) + "}");
        assertThat(unset.errorCode()).as("null: refused, not taken for a real run").isEqualTo("invalid_request");
        assertThat(unset.body().path("error").path("field").asText()).isEqualTo("dry_run");
        Reply untouched = stack.get("/v1/tenants/wave-4", ADMIN);
        assertThat(untouched.body().path("migrations").has("wave")).as("a dry run records nothing").isFalse();
        assertThat(stack.get("/v1/migrations", ADMIN).body().toString()).as("and no run was started").contains("\"set\":\"wave\",\"latest_version\":1,\"runs\":0");

        Reply run = stack.post("/v1/migrations/wave/runs", ADMIN, "{\"canary\":4,\"wave_size\":3,\"max_failure_rate\":0.2,"
                + "\"tenants\":" + TestStack.json(tenants) + "}");
        assertThat(run.status()).as(run.body().toString()).isEqualTo(202);
        JsonNode halted = awaitDone("wave", run.text("run_id"));
        assertThat(halted.path("phase").asText()).isEqualTo("halted");
        assertThat(halted.path("reason").asText()).contains("2 of 4");
        assertThat(halted.path("sent").asInt()).isEqualTo(4);
        assertThat(halted.path("unsent").asInt()).isEqualTo(6);
        assertThat(halted.path("applied").asInt()).isEqualTo(2);
        assertThat(halted.path("failed").asInt()).isEqualTo(2);
        assertThat(stack.get("/v1/tenants/wave-9", ADMIN).body().path("migrations").has("wave")).as("never sent").isFalse();
        Reply resume = stack.post("/v1/migrations/wave/runs/" + run.text("run_id") + "/resume", ADMIN, null);
        assertThat(resume.status()).as("a halted run stays halted").isEqualTo(400);

        Reply next = stack.post("/v1/migrations/wave/runs", ADMIN, "{\"canary\":2,\"wave_size\":3,\"max_failure_rate\":0.2,"
                + "\"tenants\":" + TestStack.json(tenants.subList(2, 10)) + "}");
        JsonNode all = awaitDone("wave", next.text("run_id"));
        assertThat(all.path("phase").asText()).isEqualTo("done");
        assertThat(all.path("sent").asInt()).isEqualTo(8);
        assertThat(all.path("applied").asInt()).isEqualTo(8);
        assertThat(stack.post("/v1/migrations/wave/runs/" + next.text("run_id") + "/pause", ADMIN, "{\"after\":3}").errorCode())
                .as("a control takes no body").isEqualTo("invalid_request");
        Reply pausedDone = stack.post("/v1/migrations/wave/runs/" + next.text("run_id") + "/pause", ADMIN, null);
        assertThat(pausedDone.errorCode()).as("a done run has nothing left to pause").isEqualTo("invalid_request");
        assertThat(pausedDone.body().path("error").path("message").asText()).contains("is done");

        assertThat(stack.post("/v1/migrations/wave/runs/" + next.text("run_id") + "/abort", ADMIN, null).errorCode())
                .as("nor to abort: its records are applied").isEqualTo("invalid_request");
        assertThat(stack.post("/v1/migrations/wave/runs/" + next.text("run_id") + "/rewind", ADMIN, null).status()).isEqualTo(404);

        JsonNode listed = stack.get("/v1/migrations/wave/runs", ADMIN).body().path("runs");
        assertThat(listed.size()).as("both runs, oldest first (the dry run is none)").isEqualTo(2);
        assertThat(listed.get(0).path("run_id").asText()).isEqualTo(run.text("run_id"));
        assertThat(listed.get(0).path("phase").asText()).isEqualTo("halted");
        assertThat(listed.get(0).path("failed").asInt()).isEqualTo(2);
        assertThat(listed.get(0).has("failures")).as("the failures are in the run's own status").isFalse();
        assertThat(listed.get(1).path("phase").asText()).isEqualTo("done");
        assertThat(listed.get(1).path("applied").asInt()).isEqualTo(8);
        assertThat(listed.get(1).path("status").asText()).isEqualTo("/v1/migrations/wave/runs/" + next.text("run_id"));
        assertThat(stack.get("/v1/migrations/nowhere/runs", ADMIN).status()).isEqualTo(404);
    }

    @Test
    void aRunStaysDoneWhenItsTenantsAreRestoredImportedOrDeletedAndCreatedAgainAfterIt() throws Exception {
        assertThat(put("rev", 1, "{\"sql\":\"CREATE TABLE r (x)\"}").status()).isEqualTo(201);
        List<String> tenants = List.of("rev-a", "rev-b", "rev-c", "rev-d");
        Map<String, String> keys = new HashMap<>();
        for (String t : tenants) keys.put(t, stack.createTenant(t));
        String before = stack.post("/v1/tenants/rev-a/execute", keys.get("rev-a"), "{\"sql\":\"CREATE TABLE pre (x)\"}").text("bookmark");
        Reply run = stack.post("/v1/migrations/rev/runs", ADMIN, "{\"target_version\":1,\"tenants\":" + TestStack.json(tenants) + "}");
        String runId = run.text("run_id");
        assertThat(awaitDone("rev", runId).path("applied").asInt()).isEqualTo(4);

        // After the run: rev-a restored to before it, rev-b's content replaced by an import, rev-c deleted and created again.
        assertThat(stack.post("/v1/tenants/rev-a/restore", ADMIN, "{\"bookmark\":\"" + before + "\"}").status()).isEqualTo(200);
        assertThat(stack.call("POST", "/v1/tenants/rev-b/import?format=sql", ADMIN, "CREATE TABLE other (y);").status()).isEqualTo(200);
        assertThat(stack.call("DELETE", "/v1/tenants/rev-c", ADMIN, null).status()).isEqualTo(200);
        stack.createTenant("rev-c");
        // The run is over: nothing it sent still waits, so it is not "pending" forever (its later waves would never go).
        JsonNode status = await().atMost(Duration.ofSeconds(30)).until(() -> stack.get("/v1/migrations/rev/runs/" + runId, ADMIN).body(),
                st -> st.path("applied").asInt() == 1); // the edge saw all three changes
        assertThat(status.path("pending").asInt()).as(status.toString()).isZero();
        assertThat(status.path("done").asBoolean()).as(status.toString()).isTrue();
        assertThat(status.path("applied").asInt()).as(status.toString()).isEqualTo(1);
        assertThat(status.path("reverted").asInt()).as("restored and imported since: below the target, not waiting").isEqualTo(2);
        assertThat(status.path("deleted").asInt()).as("the rev-c the run reached is gone").isEqualTo(1);

        // An export imported as a new tenant keeps its place in the fleet: it carries version 1 (it came back at 0, and
        // the next run failed on it: "table r already exists"), though version 2, which only adds a row, builds the same
        // schema (told by the schema, it was taken at 2, and never got the row).
        assertThat(put("rev", 2, "{\"sql\":\"INSERT INTO r VALUES (2)\"}").status()).isEqualTo(201);
        Reply imported = stack.call("POST", "/v1/tenants/rev-e/import?format=sql", ADMIN, stack.exportSql("rev-d", keys.get("rev-d")));
        assertThat(imported.status()).as(imported.body().toString()).isEqualTo(201);
        assertThat(imported.body().path("migrations").path("rev").asInt()).isEqualTo(1);
        assertThat(stack.get("/v1/tenants/rev-e", ADMIN).body().path("migrations").path("rev").path("version").asInt()).isEqualTo(1);
        assertThat(stack.get("/v1/tenants/rev-e", ADMIN).body().path("schema_version").asInt()).isEqualTo(1);

        // A new run brings them to the target (the new rev-c too), the imported one with version 2's row.
        List<String> all = List.of("rev-a", "rev-b", "rev-c", "rev-d", "rev-e");
        JsonNode again = awaitDone("rev", stack.post("/v1/migrations/rev/runs", ADMIN, "{\"tenants\":" + TestStack.json(all) + "}").text("run_id"));
        assertThat(again.path("applied").asInt()).as(again.toString()).isEqualTo(5);
        assertThat(stack.post("/v1/tenants/rev-e/query", imported.text("api_key"), "{\"sql\":\"SELECT x FROM r\"}").body().path("rows").toString()).isEqualTo("[[2]]");
    }

    @Test
    void aRunNeedsAnExistingSetVersionAndTenants() throws Exception {
        assertThat(stack.post("/v1/migrations/nothing/runs", ADMIN, "{\"tenants\":\"all\"}").status()).isEqualTo(404);
        assertThat(put("small", 1, "{\"sql\":\"CREATE TABLE a (x)\"}").status()).isEqualTo(201);
        assertThat(stack.post("/v1/migrations/small/runs", ADMIN, "{\"target_version\":2,\"tenants\":\"all\"}").status()).isEqualTo(404);
        assertThat(stack.post("/v1/migrations/small/runs", ADMIN, "{\"tenants\":[\"no-such-tenant\"]}").errorCode()).isEqualTo("tenant_not_found");
        assertThat(stack.post("/v1/migrations/small/runs", ADMIN, "{}").errorCode()).isEqualTo("invalid_request");
        assertThat(stack.get("/v1/migrations/small/runs/run-nope", ADMIN).status()).isEqualTo(404);
    }

    private static Reply put(String set, int version, String body) throws Exception {
        return stack.call("PUT", "/v1/migrations/" + set + "/versions/" + version, ADMIN, body);
    }

    private static JsonNode awaitDone(String set, String runId) {
        JsonNode[] last = {null};
        try {
            return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                JsonNode s = stack.get("/v1/migrations/" + set + "/runs/" + runId, ADMIN).body();
                last[0] = s;
                return s.path("done").asBoolean() ? s : null;
            }, s -> s != null);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("run " + runId + " not done: " + last[0], e);
        }
    }

}
