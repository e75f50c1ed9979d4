package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.infra.TestStack.Reply;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.tenantdb.cpu.LowPriority;
import io.cairn.tenantdb.sql.LogicalChecksum;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time restore, fork, as-of reads, history and exports on a real broker, applier and s3proxy.
 * Every restored or forked content is compared (logical checksum) with a replay of the log from offset 0
 * to the same point, made apart from the live applier; and the whole log, restores and forks included,
 * replays to the live files.
 */
class RestoreIT {
    @TempDir static Path data;
    static SnapshotBucket bucket;
    static TestStack stack;
    static TenantFileTransfers files;
    static EdgeScratch scratch;

    @BeforeAll
    static void start() throws Exception {
        bucket = SnapshotBucket.start(data.resolve("s3"));
        scratch = new EdgeScratch(data.resolve("scratch"));
        scratch.plantKilledEdgesSpace("ao-acme");
        stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()).withEdge(e -> e.withScratchDir(scratch.dir())));
        files = new TenantFileTransfers(stack, data);
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
        if (bucket != null) bucket.close();
    }

    /**
     * Each restore is snapshotted at once. Without it, building a point meant building again every earlier restore
     * within it, each of those its own earlier ones: ten restores in a row took 28 s for the tenth, twice the ninth.
     */
    @Test
    void everyRestoreIsSnapshottedAtOnceSoALaterBuildStartsAfterIt() throws Exception {
        String key = stack.createTenant("rs-chain");
        write(key, "rs-chain", "CREATE TABLE t (n INTEGER)");
        for (int i = 0; i < 3; i++) {
            Bookmark at = insertThenUndoTheNextWrite(key, "rs-chain", i);
            org.awaitility.Awaitility.await("a snapshot of the restore " + at).atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                for (var s : stack.get("/v1/tenants/rs-chain/snapshots", ADMIN).body().path("snapshots")) {
                    if (Bookmark.parse(s.path("bookmark").asText()).offset() >= at.offset()) return true;
                }
                return false;
            });
        }
        assertThat(count(key, "rs-chain", "t")).isEqualTo(3);
        assertThat(stack.checksum("rs-chain", key)).isEqualTo(replayedChecksum("rs-chain",
                Bookmark.parse(stack.get("/v1/tenants/rs-chain", ADMIN).body().path("bookmark").asText())));
    }

    /**
     * From the log alone (no snapshot between them) a point behind many restores in place builds each restore's
     * point once: it once built them all again for every restore met, doubling the time with each (2^12 builds
     * here, several minutes; now a dozen, seconds). The bound is far above the linear time, far below the doubling.
     */
    @Test
    void aReplayFromTheLogAloneBuildsEachRestoredPointOnce() throws Exception {
        String key = stack.createTenant("rs-deep");
        write(key, "rs-deep", "CREATE TABLE t (n INTEGER)");
        for (int i = 0; i < 12; i++) insertThenUndoTheNextWrite(key, "rs-deep", i);
        Bookmark end = write(key, "rs-deep", "INSERT INTO t VALUES (99)");
        String live = stack.checksum("rs-deep", key);
        String replayed = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(120),
                () -> replayedChecksum("rs-deep", end));
        assertThat(replayed).isEqualTo(live);
        assertThat(count(key, "rs-deep", "t")).isEqualTo(13);
    }

    @Test
    void aRestoreBringsBackExactlyThePointAndASecondRestoreUndoesIt() throws Exception {
        String key = stack.createTenant("rs-acme");
        write(key, "rs-acme", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, at TEXT DEFAULT (datetime('now')))");
        List<Bookmark> after = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            after.add(write(key, "rs-acme", "INSERT INTO items (name) VALUES ('item-" + i + "')"));
            if (i == 10) stack.snapshot("rs-acme"); // points after it start from the snapshot, points before it from the log
        }
        String before = stack.checksum("rs-acme", key);
        for (int point : new int[] {4, 20}) {
            Bookmark at = after.get(point);
            Instant asked = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            Reply restored = stack.post("/v1/tenants/rs-acme/restore", ADMIN, "{\"bookmark\":\"" + at + "\"}");
            assertThat(restored.status()).as(restored.body().toString()).isEqualTo(200);
            assertThat(Instant.parse(stack.get("/v1/tenants/rs-acme", ADMIN).text("last_write_at"))).as("the content changed").isAfterOrEqualTo(asked);
            assertThat(restored.text("restored_to")).isEqualTo(at.toString());
            assertThat(count(key, "rs-acme")).isEqualTo(point + 1);
            assertThat(stack.checksum("rs-acme", key)).as("restored to %s", at).isEqualTo(replayedChecksum("rs-acme", at));
            Reply undone = stack.post("/v1/tenants/rs-acme/restore", ADMIN, "{\"bookmark\":\"" + restored.text("undo_bookmark") + "\"}");
            assertThat(undone.status()).as(undone.body().toString()).isEqualTo(200);
            assertThat(stack.checksum("rs-acme", key)).as("undone").isEqualTo(before);
        }

        // Writes after a restore apply on the restored content; the tenant's key never changed.
        stack.post("/v1/tenants/rs-acme/restore", ADMIN, "{\"bookmark\":\"" + after.get(2) + "\"}");
        Bookmark last = write(key, "rs-acme", "INSERT INTO items (name) VALUES ('after the restore')");
        assertThat(count(key, "rs-acme")).isEqualTo(4);
        assertThat(stack.checksum("rs-acme", key)).isEqualTo(replayedChecksum("rs-acme", last));
    }

    @Test
    void aRestoreByTimeTakesEveryWriteMadeUpToThatTime() throws Exception {
        String key = stack.createTenant("rs-time");
        write(key, "rs-time", "CREATE TABLE t (v INTEGER)");
        for (int i = 0; i < 5; i++) write(key, "rs-time", "INSERT INTO t VALUES (" + i + ")");
        Instant t = Instant.now();
        while (Instant.now().toEpochMilli() <= t.toEpochMilli()) Thread.onSpinWait(); // later writes carry a later time
        for (int i = 5; i < 9; i++) write(key, "rs-time", "INSERT INTO t VALUES (" + i + ")");

        Reply restored = stack.post("/v1/tenants/rs-time/restore", ADMIN, "{\"time\":\"" + t + "\"}");
        assertThat(restored.status()).as(restored.body().toString()).isEqualTo(200);
        assertThat(count(key, "rs-time", "t")).isEqualTo(5);
        assertThat(stack.checksum("rs-time", key)).isEqualTo(replayedChecksum("rs-time", Bookmark.parse(restored.text("restored_to"))));

        Reply future = stack.post("/v1/tenants/rs-time/restore", ADMIN, "{\"time\":\"" + Instant.now().plusSeconds(3600) + "\"}");
        assertThat(future.errorCode()).isEqualTo("restore_out_of_range");
        assertThat(future.body().path("error").has("earliest") && future.body().path("error").has("latest")).as("the range: " + future.body())
                .isTrue();
    }

    @Test
    void pointsOutsideTheTenantsLifeAreRefusedWithTheRangeAndChangeNothing() throws Exception {
        stack.createTenant("rs-early"); // a record before rs-range on the same log, perhaps
        String key = stack.createTenant("rs-range");
        Bookmark first = write(key, "rs-range", "CREATE TABLE t (v)");
        JsonNode history = stack.get("/v1/tenants/rs-range/history", key).body();
        Bookmark earliest = Bookmark.parse(history.path("restorable").path("earliest").asText());
        assertThat(history.path("restorable").path("limited_by").asText()).isEqualTo("creation");
        assertThat(history.path("created_bookmark").asText()).isEqualTo(earliest.toString());
        assertThat(earliest.offset()).isLessThan(first.offset());
        // Its own last record ends the range, not the partition's end, which a neighbour's writes move (their rate showed).
        for (int n = 0; write(stack.createTenant("rs-nb-" + n), "rs-nb-" + n, "CREATE TABLE n (v)").partition() != first.partition(); n++) { }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                stack.get("/v1/tenants/rs-range/history", key).body().path("restorable").path("latest").asText().equals(first.toString()));

        Reply before = stack.post("/v1/tenants/rs-range/restore", ADMIN, "{\"bookmark\":\"" + earliest.partition() + ":"
                + (earliest.offset() - 1) + "\"}");
        assertThat(before.status()).isEqualTo(400);
        assertThat(before.errorCode()).isEqualTo("restore_out_of_range");
        assertThat(before.body().path("error").path("earliest").asText()).isEqualTo(earliest.toString());
        Reply past = stack.post("/v1/tenants/rs-range/restore", ADMIN, "{\"bookmark\":\"" + earliest.partition() + ":999999999\"}");
        assertThat(past.errorCode()).isEqualTo("invalid_bookmark");
        Reply other = stack.post("/v1/tenants/rs-range/restore", ADMIN, "{\"bookmark\":\"" + ((earliest.partition() + 1) % 4) + ":0\"}");
        assertThat(other.errorCode()).isEqualTo("invalid_bookmark");
        assertThat(stack.post("/v1/tenants/rs-range/restore", ADMIN, "{}").errorCode()).isEqualTo("invalid_request");
        assertThat(stack.post("/v1/tenants/rs-range/restore", ADMIN, "{\"time\":\"yesterday\"}").errorCode()).isEqualTo("invalid_request");
        // Times Instant parses but epoch milliseconds cannot hold, and times before any record: out of range, never a 5xx.
        for (String time : new String[] {"+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "1960-01-01T00:00:00Z"}) {
            Reply odd = stack.post("/v1/tenants/rs-range/restore", ADMIN, "{\"time\":\"" + time + "\"}");
            assertThat(odd.errorCode()).as(time + ": " + odd.body()).isEqualTo("restore_out_of_range");
            Reply asOf = stack.post("/v1/tenants/rs-range/query", key, "{\"sql\":\"SELECT 1\",\"as_of\":\"" + time + "\"}");
            assertThat(asOf.errorCode()).as(time + ": " + asOf.body()).isEqualTo("restore_out_of_range");
        }
        assertThat(stack.post("/v1/tenants/rs-range/restore", ADMIN, "{\"time\":\"1960-01-01T00:00:00Z\"}").body().path("error").path("message").asText())
                .as("a time is named as given, not as the bookmark before the log").endsWith("the time 1960-01-01T00:00:00Z is before that");
        for (String garbage : new String[] {"garbage", "3:x", ""}) {
            Reply asOf = stack.post("/v1/tenants/rs-range/query", key, "{\"sql\":\"SELECT 1\",\"as_of\":\"" + garbage + "\"}");
            assertThat(asOf.errorCode()).as(garbage).isEqualTo("invalid_request");
            assertThat(asOf.body().path("error").path("message").asText()).as("the field the client sent is named").startsWith("\"as_of\" must be");
        }
        assertThat(stack.post("/v1/tenants/rs-range/restore", key, "{\"bookmark\":\"" + first + "\"}").status())
                .as("only an admin restores").isEqualTo(403);

        // At its creation: the tenant exists, empty.
        Reply empty = stack.post("/v1/tenants/rs-range/restore", ADMIN, "{\"bookmark\":\"" + earliest + "\"}");
        assertThat(empty.status()).as(empty.body().toString()).isEqualTo(200);
        Reply tables = stack.post("/v1/tenants/rs-range/query", key, "{\"sql\":\"SELECT count(*) FROM sqlite_schema WHERE name = 't'\"}");
        assertThat(tables.body().path("rows").toString()).isEqualTo("[[0]]");
    }

    @Test
    void aForkIsANewTenantWithTheSourcesContentAtThePointAndKeysOfItsOwn() throws Exception {
        String key = stack.createTenant("fk-src");
        write(key, "fk-src", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB, n INTEGER)");
        Bookmark point = null;
        for (int i = 0; i < 12; i++) {
            Bookmark b = write(key, "fk-src", "INSERT INTO notes (body, n) VALUES (randomblob(16), 9007199254740993 + " + i + ")");
            if (i == 7) point = b;
        }
        Reply fork = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"fk-copy\",\"from\":{\"tenant\":\"fk-src\",\"bookmark\":\"" + point + "\"}}");
        assertThat(fork.status()).as(fork.body().toString()).isEqualTo(201);
        String copyKey = fork.text("api_key");
        assertThat(copyKey).isNotEqualTo(key);
        assertThat(fork.body().path("from").path("bookmark").asText()).isEqualTo(point.toString());
        assertThat(count(copyKey, "fk-copy", "notes")).isEqualTo(8);
        assertThat(stack.checksum("fk-copy", copyKey)).isEqualTo(replayedChecksum("fk-src", point));
        assertThat(stack.post("/v1/tenants/fk-copy/query", key, "{\"sql\":\"SELECT 1\"}").status()).as("the source's key").isEqualTo(403);
        assertThat(count(key, "fk-src", "notes")).as("the source is untouched").isEqualTo(12);

        // The copy lives on by itself.
        write(copyKey, "fk-copy", "DELETE FROM notes WHERE id > 2");
        assertThat(count(copyKey, "fk-copy", "notes")).isEqualTo(2);
        assertThat(count(key, "fk-src", "notes")).isEqualTo(12);

        // Without a point: the source as it is now.
        Reply now = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"fk-now\",\"from\":{\"tenant\":\"fk-src\"}}");
        assertThat(now.status()).as(now.body().toString()).isEqualTo(201);
        assertThat(stack.checksum("fk-now", now.text("api_key"))).isEqualTo(stack.checksum("fk-src", key));

        assertThat(stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"fk-none\",\"from\":{\"tenant\":\"fk-nobody\"}}").errorCode())
                .isEqualTo("tenant_not_found");
        assertThat(stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"fk-src\",\"from\":{\"tenant\":\"fk-copy\"}}").errorCode())
                .isEqualTo("tenant_exists");
        // A source created after records of others on its log: a point before its creation is refused.
        String late = "fk-late-0";
        for (int i = 1; partitionOf(late) != point.partition(); i++) late = "fk-late-" + i;
        stack.createTenant(late);
        Bookmark created = Bookmark.parse(stack.get("/v1/tenants/" + late + "/history", ADMIN).body().path("created_bookmark").asText());
        Reply early = stack.post("/v1/tenants", ADMIN, "{\"tenant\":\"fk-early\",\"from\":{\"tenant\":\"" + late + "\",\"bookmark\":\""
                + point.partition() + ":" + (created.offset() - 1) + "\"}}");
        assertThat(early.errorCode()).as(early.body().toString()).isEqualTo("restore_out_of_range");
        assertThat(stack.get("/v1/tenants/fk-early", ADMIN).status()).as("a refused fork leaves no tenant").isEqualTo(404);
    }

    @Test
    void asOfReadsAndExportsSeeThePastWhileTheTenantGoesOn() throws Exception {
        String key = stack.createTenant("ao-acme");
        write(key, "ao-acme", "CREATE TABLE kv (k TEXT PRIMARY KEY, v REAL, b BLOB)");
        Bookmark point = write(key, "ao-acme", "INSERT INTO kv VALUES ('a', 1.5, x'00ff'), ('it''s', -2.25e-10, NULL)");
        Bookmark updated = write(key, "ao-acme", "UPDATE kv SET v = 99 WHERE k = 'a'");
        String near = "ao-near-0";
        for (int i = 1; partitionOf(near) != point.partition(); i++) near = "ao-near-" + i;
        stack.createTenant(near);
        Bookmark others = Bookmark.parse(stack.get("/v1/tenants/" + near, ADMIN).text("bookmark"));
        Reply between = stack.post("/v1/tenants/ao-acme/query", key, "{\"sql\":\"SELECT 1\",\"as_of\":\"" + others + "\"}");
        assertThat(between.text("as_of")).as("another tenant's record: the point read is ao-acme's last before it").isEqualTo(updated.toString());

        Reply past = stack.post("/v1/tenants/ao-acme/query", key, "{\"sql\":\"SELECT v FROM kv WHERE k = 'a'\",\"as_of\":\"" + point + "\"}");
        assertThat(past.status()).as(past.body().toString()).isEqualTo(200);
        assertThat(past.body().path("rows").toString()).isEqualTo("[[1.5]]");
        assertThat(past.text("as_of")).isEqualTo(point.toString());
        assertThat(stack.post("/v1/tenants/ao-acme/query", key, "{\"sql\":\"SELECT v FROM kv WHERE k = 'a'\"}").body().path("rows").toString())
                .isEqualTo("[[99.0]]");
        assertThat(stack.post("/v1/tenants/ao-acme/query", key, "{\"sql\":\"INSERT INTO kv VALUES ('x', 1, NULL)\",\"as_of\":\"" + point + "\"}")
                .errorCode()).as("as-of reads are reads").isEqualTo("read_only");
        Reply pastChecksum = stack.get("/v1/tenants/ao-acme/checksum?as_of=" + point, key);
        assertThat(pastChecksum.text("as_of")).as("as for /query").isEqualTo(point.toString());
        String pastSum = pastChecksum.text("sha256");
        assertThat(pastSum).isEqualTo(replayedChecksum("ao-acme", point));

        // Exports: the content now (SQLite file and SQL text agree), and as of the point.
        Path file = files.export("ao-acme", key, "format=sqlite");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_cairn\\_%' ESCAPE '\\'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("Cairn's own tables are not exported").isZero();
            }
            assertThat(LogicalChecksum.sha256Hex(c)).isEqualTo(stack.checksum("ao-acme", key));
        }
        Path sql = files.export("ao-acme", key, "format=sql");
        assertThat(files.loadDump(sql)).isEqualTo(stack.checksum("ao-acme", key));
        Path pastFile = files.export("ao-acme", key, "format=sqlite&as_of=" + point);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + pastFile)) {
            assertThat(LogicalChecksum.sha256Hex(c)).isEqualTo(pastSum);
        }
        assertThat(stack.call("GET", "/v1/tenants/ao-acme/export?format=csv", key, null).errorCode()).isEqualTo("invalid_request");

        // The copies are made in the edge's own space, which removed the killed edge's as it started; exports leave nothing.
        List<Path> spaces = scratch.spaces();
        assertThat(spaces).as("the killed edge's space is gone; only this edge's is left").hasSize(1);
        assertThat(spaces.get(0).getFileName().toString()).startsWith("cairn-edge-");
        assertThat(EdgeScratch.names(spaces.get(0).resolve("past")).stream().map(p -> p.getFileName().toString()).toList())
                .anyMatch(n -> n.endsWith("-ao-acme"));
        assertThat(EdgeScratch.names(spaces.get(0).resolve("transfers"))).as("exports' copies are removed once sent").isEmpty();
    }

    @Test
    void asOfReadsOfManyPointsOfOneTenantDoNotHoldUpAnotherTenants() throws Exception {
        String greedyKey = stack.createTenant("ao-greedy");
        write(greedyKey, "ao-greedy", "CREATE TABLE t (n INTEGER)");
        List<Bookmark> points = new ArrayList<>();
        for (int i = 0; i < 20; i++) points.add(write(greedyKey, "ao-greedy", "INSERT INTO t VALUES (" + i + ")"));
        String otherKey = stack.createTenant("ao-other");
        write(otherKey, "ao-other", "CREATE TABLE t (n INTEGER)");
        Bookmark otherPoint = write(otherKey, "ao-other", "INSERT INTO t VALUES (1)");

        // Twenty points of one tenant at once: each needs a past copy built (a snapshot and a replay).
        java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger(points.size());
        java.util.concurrent.CountDownLatch firstDone = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ConcurrentLinkedQueue<String> wrong = new java.util.concurrent.ConcurrentLinkedQueue<>();
        List<Thread> greedy = new ArrayList<>();
        for (Bookmark p : points) {
            greedy.add(Thread.ofPlatform().start(() -> {
                try {
                    Reply r = stack.post("/v1/tenants/ao-greedy/query", greedyKey, "{\"sql\":\"SELECT count(*) FROM t\",\"as_of\":\"" + p + "\"}");
                    if (r.status() != 200 && !r.errorCode().equals("too_many_requests")) wrong.add(r.status() + " " + r.body());
                } catch (Exception e) {
                    wrong.add(e.toString());
                } finally {
                    pending.decrementAndGet();
                    firstDone.countDown();
                }
            }));
        }
        assertThat(firstDone.await(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Reply other = stack.post("/v1/tenants/ao-other/query", otherKey, "{\"sql\":\"SELECT count(*) FROM t\",\"as_of\":\"" + otherPoint + "\"}");
        int stillPending = pending.get();
        for (Thread t : greedy) t.join();
        assertThat(other.status()).as(other.body().toString()).isEqualTo(200);
        assertThat(other.body().path("rows").toString()).isEqualTo("[[1]]");
        assertThat(wrong).isEmpty();
        // One build per tenant at a time: the other tenant's waited for one of the greedy tenant's at most, not for all of them.
        assertThat(stillPending).as("greedy as-of reads still waiting when the other tenant's was answered").isGreaterThanOrEqualTo(points.size() / 2);
    }

    @Test
    void pastCopiesAreBuiltOnThreadsOfTheirOwnAtALowerCpuPriority() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        String key = stack.createTenant("ao-nice");
        write(key, "ao-nice", "CREATE TABLE t (n INTEGER)");
        Bookmark point = write(key, "ao-nice", "INSERT INTO t VALUES (1)");
        write(key, "ao-nice", "INSERT INTO t VALUES (2)");

        Reply past = stack.post("/v1/tenants/ao-nice/query", key, "{\"sql\":\"SELECT count(*) FROM t\",\"as_of\":\"" + point + "\"}");

        assertThat(past.body().path("rows").toString()).as(past.body().toString()).isEqualTo("[[1]]");
        // A build (a snapshot and a replay) is seconds of SQLite a tenant can ask for again and again: it yields the
        // cores to everyone else's requests.
        int lowered = LowPriority.lowered(LowPriority.currentNice());
        assertThat(LowPriority.niceOfThreadsNamed("cairn-past-build-")).as("past builds").isNotEmpty().allMatch(n -> n == lowered);
    }

    @Test
    void anImportCreatesOrReplacesContentAfterTheSameChecksAsWrites() throws Exception {
        String key = stack.createTenant("im-src");
        write(key, "im-src", "CREATE TABLE people (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, photo BLOB)");
        write(key, "im-src", "CREATE INDEX people_name ON people (name)");
        write(key, "im-src", "INSERT INTO people (name, photo) VALUES ('ada', x'cafe'), ('grace', NULL), ('o''hara', x'')");
        String sum = stack.checksum("im-src", key);

        // A SQLite file into a tenant that does not exist yet: it is created with that content.
        Path file = files.export("im-src", key, "format=sqlite");
        Reply created = files.upload("im-new", "", Files.readAllBytes(file));
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        String newKey = created.text("api_key");
        assertThat(stack.checksum("im-new", newKey)).isEqualTo(sum);
        write(newKey, "im-new", "INSERT INTO people (name) VALUES ('new')");

        // A SQL script over an existing tenant: its content is replaced; its key stays; undo brings it back.
        String other = stack.createTenant("im-over");
        write(other, "im-over", "CREATE TABLE old (x)");
        String before = stack.checksum("im-over", other);
        Reply replaced = files.upload("im-over", "?format=sql", Files.readAllBytes(files.export("im-src", key, "format=sql")));
        assertThat(replaced.status()).as(replaced.body().toString()).isEqualTo(200);
        assertThat(stack.checksum("im-over", other)).isEqualTo(sum);
        assertThat(stack.post("/v1/tenants/im-over/restore", ADMIN, "{\"bookmark\":\"" + replaced.text("undo_bookmark") + "\"}").status())
                .isEqualTo(200);
        assertThat(stack.checksum("im-over", other)).isEqualTo(before);
        // The sqlite3 shell's own .dump wrapping is accepted.
        Reply shell = files.upload("im-over", "?format=sql", ("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(a);\n"
                + "INSERT INTO t VALUES(1);\nCOMMIT;\n").getBytes());
        assertThat(shell.status()).as(shell.body().toString()).isEqualTo(200);

        // Refused, and nothing stored or changed.
        ImportRefusals.check(stack, files, "im-over", other);
    }

    @Test
    void theCliRestoresForksExportsAndImports() throws Exception {
        String key = stack.createTenant("cli-src");
        write(key, "cli-src", "CREATE TABLE t (v)");
        Bookmark one = write(key, "cli-src", "INSERT INTO t VALUES (1)");
        write(key, "cli-src", "INSERT INTO t VALUES (2)");

        assertThat(stack.cli(new io.cairn.infra.cli.RestoreCommand(), "--tenant", "cli-src", "--bookmark", one.toString())).isZero();
        assertThat(count(key, "cli-src", "t")).isEqualTo(1);
        assertThat(stack.cli(new io.cairn.infra.cli.RestoreCommand(), "--tenant", "cli-src", "--time", "2001-01-01T00:00:00Z"))
                .as("out of range: before the tenant's creation, whatever ran before this test").isEqualTo(1);
        assertThat(stack.cli(new io.cairn.infra.cli.ForkCommand(), "--from", "cli-src", "--tenant", "cli-fork")).isZero();
        Path out = data.resolve("cli-" + UUID.randomUUID() + ".sql");
        assertThat(stack.cli(new io.cairn.infra.cli.ExportCommand(), "--tenant", "cli-src", "--format", "sql", "--out", out.toString())).isZero();
        assertThat(Files.readString(out)).contains("INSERT INTO \"t\" VALUES(1);").doesNotContain("_cairn_");
        assertThat(stack.cli(new io.cairn.infra.cli.ImportCommand(), "--tenant", "cli-imported", "--file", out.toString())).isZero();
        assertThat(stack.get("/v1/tenants/cli-imported/checksum", ADMIN).text("sha256")).isEqualTo(stack.checksum("cli-src", key));
        assertThat(stack.cli(new io.cairn.infra.cli.ImportCommand(), "--tenant", "cli-imported", "--file", data.resolve("none.sql").toString()))
                .isEqualTo(2);
        Path empty = Files.createFile(data.resolve("cli-" + UUID.randomUUID() + ".sql"));
        picocli.CommandLine emptyImport = new picocli.CommandLine(new io.cairn.infra.cli.ImportCommand());
        emptyImport.setExecutionExceptionHandler((e, line, parsed) -> {
            throw e; // a crash of the command itself fails the test, not only a wrong exit code
        });
        assertThat(emptyImport.execute("--tenant", "cli-imported", "--file", empty.toString(), "--url", stack.url(), "--token", ADMIN))
                .as("refused by the server (invalid_import), not a stack trace of the client").isEqualTo(1);
        assertThat(stack.get("/v1/tenants/cli-imported/checksum", ADMIN).text("sha256")).isEqualTo(stack.checksum("cli-src", key));
    }

    @Test
    void aColdTenantRestoresAndTheWholeLogRestoresAndForksIncludedReplaysToTheLiveFiles() throws Exception {
        String key = stack.createTenant("rp-cold");
        write(key, "rp-cold", "CREATE TABLE t (v)");
        Bookmark one = write(key, "rp-cold", "INSERT INTO t VALUES (1)");
        write(key, "rp-cold", "INSERT INTO t VALUES (2)");
        Reply frozen = stack.post("/v1/tenants/rp-cold/tier", ADMIN, "{\"tier\":\"cold\"}");
        assertThat(frozen.status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> "cold".equals(stack.get("/v1/tenants/rp-cold", ADMIN).text("tier")));
        // Exported while cold (from its snapshot, which is in WAL mode): one file, rollback journal, its content.
        Path coldExport = files.export("rp-cold", key, "format=sqlite");
        byte[] header = Files.readAllBytes(coldExport);
        assertThat(new int[] {header[18], header[19]}).as("rollback-journal file format").containsExactly(1, 1);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + coldExport);
             ResultSet rs = c.createStatement().executeQuery("SELECT group_concat(v) FROM t")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("1,2");
        }
        Reply restored = stack.post("/v1/tenants/rp-cold/restore", ADMIN, "{\"bookmark\":\"" + one + "\"}");
        assertThat(restored.status()).as(restored.body().toString()).isEqualTo(200);
        assertThat(count(key, "rp-cold", "t")).isEqualTo(1);
        // A restore past an earlier restore: the replay of the point applies the earlier one on its way.
        Bookmark three = write(key, "rp-cold", "INSERT INTO t VALUES (3)");
        write(key, "rp-cold", "INSERT INTO t VALUES (4)");
        assertThat(stack.post("/v1/tenants/rp-cold/restore", ADMIN, "{\"bookmark\":\"" + three + "\"}").status()).isEqualTo(200);
        assertThat(stack.post("/v1/tenants/rp-cold/query", key, "{\"sql\":\"SELECT group_concat(v) FROM t\"}").body().path("rows").toString())
                .isEqualTo("[[\"1,3\"]]");
        assertThat(stack.checksum("rp-cold", key)).isEqualTo(replayedChecksum("rp-cold", three));

        // Every tenant of this test class, restores and forks included, from the log alone.
        Path rebuilt = data.resolve("rebuilt-" + UUID.randomUUID());
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(rebuilt)).withSnapshots(store(), new SimpleMeterRegistry())
                .replayAll(t -> true, p -> { }); // imports are in the snapshot store
        for (String tenant : new TenantFiles(data.resolve("hot")).list()) {
            assertThat(TestStack.fileChecksum(rebuilt, tenant)).as(tenant).isEqualTo(TestStack.fileChecksum(data.resolve("hot"), tenant));
        }
    }

    // --- helpers

    private static S3SnapshotStore store() {
        return bucket.store();
    }

    /** The partition Kafka's default partitioner gives the tenant's records (4 partitions in TestStack). */
    private static int partitionOf(String tenant) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(tenant.getBytes(
                java.nio.charset.StandardCharsets.UTF_8))) % 4;
    }

    /** Inserts {@code n} into {@code t}, then -1, then restores to right after the first: returns the restore's bookmark. */
    private static Bookmark insertThenUndoTheNextWrite(String key, String tenant, int n) throws Exception {
        Bookmark point = write(key, tenant, "INSERT INTO t VALUES (" + n + ")");
        write(key, tenant, "INSERT INTO t VALUES (-1)");
        Reply restored = stack.post("/v1/tenants/" + tenant + "/restore", ADMIN, "{\"bookmark\":\"" + point + "\"}");
        assertThat(restored.status()).as(restored.body().toString()).isEqualTo(200);
        return Bookmark.parse(restored.text("bookmark"));
    }

    private static Bookmark write(String key, String tenant, String sql) throws Exception {
        Reply r = stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":" + TestStack.json(sql) + "}");
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return Bookmark.parse(r.text("bookmark"));
    }

    private static int count(String key, String tenant) throws Exception {
        return count(key, tenant, "items");
    }

    private static int count(String key, String tenant, String table) throws Exception {
        Reply r = stack.post("/v1/tenants/" + tenant + "/query", key, "{\"sql\":\"SELECT count(*) FROM " + table + "\"}");
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return r.body().path("rows").get(0).get(0).asInt();
    }

    /** The tenant's checksum right after {@code point}, from a replay of its partition from offset 0 without snapshots. */
    private static String replayedChecksum(String tenant, Bookmark point) throws Exception {
        Path dir = data.resolve("replay-" + UUID.randomUUID());
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(dir)).replayPartition(point.partition(), point.offset() + 1,
                tenant::equals, p -> { });
        return TestStack.fileChecksum(dir, tenant);
    }
}
