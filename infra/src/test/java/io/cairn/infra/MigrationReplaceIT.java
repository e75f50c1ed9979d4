package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.infra.TestStack.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A version that fails on every tenant (a table's name mistyped, which registration cannot refuse: a tenant may have
 * such a table) is replaced, and the set moves on: only while no tenant has it nor can still get it (a cold tenant's
 * tail holding it, a tenant that applied it), only the latest, and every edge reading the topic afresh agrees.
 */
class MigrationReplaceIT {
    @TempDir static Path data;
    static SnapshotBucket bucket;
    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        bucket = SnapshotBucket.start(data.resolve("s3"));
        stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()));
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
        if (bucket != null) bucket.close();
    }

    @Test
    void aVersionThatFailedEverywhereIsReplacedOnceNoTenantCanHaveItAndTheSetMovesOn() throws Exception {
        assertThat(put(1, "{\"sql\":\"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)\"}").status()).isEqualTo(201);
        String keyA = stack.createTenant("rep-a");
        stack.createTenant("rep-b");
        String keyC = stack.createTenant("rep-c");
        assertThat(awaitDone(run("[\"rep-a\",\"rep-b\",\"rep-c\"]", 1)).path("applied").asInt()).isEqualTo(3);
        String typo = "{\"sql\":\"ALTER TABLE userz ADD COLUMN email TEXT\",\"description\":\"add email\"}";
        Reply broken = put(2, typo);
        assertThat(broken.status()).as(broken.body().toString()).isEqualTo(201);
        Reply frozen = stack.post("/v1/tenants/rep-c/tier", ADMIN, "{\"tier\":\"cold\"}");
        assertThat(frozen.status()).as(frozen.body().toString()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> "cold".equals(stack.get("/v1/tenants/rep-c", ADMIN).text("tier")));
        String runId = run("[\"rep-a\",\"rep-b\",\"rep-c\"]", 2);
        JsonNode failed = awaitDone(runId);
        assertThat(List.of(failed.path("failed").asInt(), failed.path("waiting_for_cold").asInt())).as(failed.toString()).isEqualTo(List.of(2, 1));

        String fixed = "{\"sql\":\"ALTER TABLE users ADD COLUMN email TEXT\",\"replace\":true}";
        Reply onItsWay = put(2, fixed);
        assertThat(onItsWay.errorCode()).as(onItsWay.body().toString()).isEqualTo("version_conflict");
        assertThat(onItsWay.body().path("error").path("message").asText()).contains("waiting for their next thaw", runId);
        // rep-c thaws, runs version 2 as its tail holds it, and fails too: then no tenant can get it.
        assertThat(stack.post("/v1/tenants/rep-c/tier", ADMIN, "{\"tier\":\"hot\"}").status()).isBetween(200, 202);
        await().atMost(Duration.ofSeconds(60)).until(() -> stack.get("/v1/migrations/replaced/runs/" + runId, ADMIN).body().path("failed").asInt() == 3);

        Reply plain = put(2, fixed.replace(",\"replace\":true", ""));
        assertThat(plain.errorCode()).as("without replace, a registered version stays").isEqualTo("version_conflict");
        assertThat(plain.body().path("error").path("message").asText()).contains("\"replace\": true");
        Reply replaced = put(2, fixed);
        assertThat(replaced.status()).as(replaced.body().toString()).isEqualTo(200);
        assertThat(replaced.text("replaced")).isEqualTo(broken.text("checksum"));
        assertThat(replaced.text("checksum")).isNotEqualTo(broken.text("checksum"));
        assertThat(put(2, fixed).status()).as("the same again: unchanged").isEqualTo(200);
        JsonNode set = stack.get("/v1/migrations/replaced", ADMIN).body();
        assertThat(set.path("versions").get(1).path("checksum").asText()).isEqualTo(replaced.text("checksum"));
        assertThat(set.path("versions").get(1).path("description").asText()).as("kept when not given").isEqualTo("add email");

        assertThat(awaitDone(run("[\"rep-a\",\"rep-b\",\"rep-c\"]", 2)).path("applied").asInt()).isEqualTo(3);
        for (String[] t : new String[][] {{"rep-a", keyA}, {"rep-c", keyC}}) {
            Reply cols = stack.post("/v1/tenants/" + t[0] + "/query", t[1], "{\"sql\":\"SELECT group_concat(name) FROM pragma_table_info('users')\"}");
            assertThat(cols.body().path("rows").toString()).as(t[0]).isEqualTo("[[\"id,name,email\"]]");
        }
        Reply applied = put(2, "{\"sql\":\"ALTER TABLE users ADD COLUMN phone TEXT\",\"replace\":true}");
        assertThat(applied.errorCode()).isEqualTo("version_conflict");
        assertThat(applied.body().path("error").path("message").asText()).contains("applied on 3 tenant(s)");
        assertThat(put(1, "{\"sql\":\"CREATE TABLE people (id INTEGER PRIMARY KEY)\",\"replace\":true}").body().path("error").path("message")
                .asText()).contains("not the set's latest version");

        // An edge started later reads the topic from its start and reaches the same versions.
        io.cairn.edge.migrate.MigrationCatalog fresh = new io.cairn.edge.migrate.MigrationCatalog();
        try (io.cairn.edge.migrate.MigrationFeed feed = new io.cairn.edge.migrate.MigrationFeed(fresh, stack.kafkaProperties())) {
            feed.start();
            await("the fresh reader").atMost(Duration.ofSeconds(30)).until(feed::ready);
            assertThat(fresh.version("replaced", 2).orElseThrow().checksum()).isEqualTo(replaced.text("checksum"));
        }
    }

    @Test
    void theCliReplacesAChangedFileOnlyWhenAsked() throws Exception {
        Path dir = Files.createDirectories(data.resolve("cli-replace"));
        Files.writeString(dir.resolve("V1__items.sql"), "CREATE TABLE items (id INTEGER PRIMARY KEY);");
        Files.writeString(dir.resolve("V2__sku.sql"), "ALTER TABLE itemz ADD COLUMN sku TEXT;");
        stack.createTenant("rep-cli");
        assertThat(migrate(dir)).as("version 2 fails on the tenant").isEqualTo(1);
        Files.writeString(dir.resolve("V2__sku.sql"), "ALTER TABLE items ADD COLUMN sku TEXT;");
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        assertThat(migrate(dir, new java.io.PrintStream(said, true))).as("a changed file is refused").isEqualTo(2);
        assertThat(said.toString()).as("the command's option named, not the API's field").contains("give --replace").doesNotContain("\"replace\"");
        assertThat(migrate(dir, "--replace")).isZero();
        assertThat(stack.get("/v1/tenants/rep-cli", ADMIN).body().path("migrations").path("cli-replace").path("version").asInt()).isEqualTo(2);
    }

    private static int migrate(Path dir, String... more) {
        return migrate(dir, System.err, more);
    }

    private static int migrate(Path dir, java.io.PrintStream err, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--set", "cli-replace", "--dir", dir.toString(), "--tenants", "rep-cli",
                "--url", stack.url(), "--token", ADMIN));
        args.addAll(List.of(more));
        java.io.PrintStream before = System.err;
        System.setErr(err); // the command writes to the System.err it finds when made
        try {
            return new picocli.CommandLine(new io.cairn.infra.cli.MigrateCommand()).execute(args.toArray(String[]::new));
        } finally {
            System.setErr(before);
        }
    }

    private static Reply put(int version, String body) throws Exception {
        return stack.call("PUT", "/v1/migrations/replaced/versions/" + version, ADMIN, body);
    }

    private static String run(String tenants, int target) throws Exception {
        Reply r = stack.post("/v1/migrations/replaced/runs", ADMIN, "{\"tenants\":" + tenants + ",\"target_version\":" + target + "}");
        assertThat(r.status()).as(r.body().toString()).isEqualTo(202);
        return r.text("run_id");
    }

    private static JsonNode awaitDone(String runId) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(
                () -> stack.get("/v1/migrations/replaced/runs/" + runId, ADMIN).body(), s -> s.path("done").asBoolean());
    }
}
