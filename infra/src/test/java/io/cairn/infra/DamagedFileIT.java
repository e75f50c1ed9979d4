package io.cairn.infra;

import static io.cairn.infra.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.infra.TestStack.Reply;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing damaged is ever served: a tenant file with a misdirected page (a valid page written over
 * another, so every page still parses and plain reads return wrong rows) and a lost file are caught on
 * the read path, rebuilt from the log by the applier, and then served right. Meanwhile readers get 503
 * {@code tenant_recovering}: never wrong rows, never a 4xx, never a 500.
 */
@Tag("fault")
class DamagedFileIT {
    private static final String COUNT = "{\"sql\":\"SELECT count(*), sum(n) FROM t\"}";

    @TempDir Path data;

    @Test
    void aFileWithAMisdirectedPageIsRebuiltBeforeItIsServed() throws Exception {
        String key;
        String before;
        try (TestStack stack = TestStack.start(data)) {
            key = seed(stack, "acme");
            before = stack.get("/v1/tenants/acme/checksum", key).text("sha256");
        }
        misdirectPage(new TenantFiles(data.resolve("hot")).database("acme"), "t");

        try (TestStack stack = TestStack.start(data)) { // the edge has not served this file since its start
            List<Integer> statuses = new ArrayList<>();
            Reply rows = readUntilServed(stack, "acme", key, statuses);
            assertThat(rows.body().path("rows").toString()).isEqualTo("[[3000,4501500]]");
            assertThat(statuses).allMatch(s -> s == 200 || s == 503);
            assertThat(stack.get("/v1/tenants/acme/checksum", key).text("sha256")).isEqualTo(before);
            assertThat(stack.count("cairn.edge.damaged.files")).isPositive();
            assertThat(stack.registry().get("cairn.applier.rebuilds").tag("reason", "corrupt").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void aLostFileOfAnExistingTenantIsRebuiltOnItsFirstRead() throws Exception {
        try (TestStack stack = TestStack.start(data)) {
            String key = seed(stack, "lost");
            Path file = new TenantFiles(data.resolve("hot")).database("lost");
            for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(file + suffix));

            List<Integer> statuses = new ArrayList<>();
            Reply rows = readUntilServed(stack, "lost", key, statuses);

            assertThat(rows.body().path("rows").toString()).isEqualTo("[[3000,4501500]]");
            assertThat(statuses).as("never 404: the tenant exists").allMatch(s -> s == 200 || s == 503);
            assertThat(stack.registry().get("cairn.applier.rebuilds").tag("reason", "missing").counter().count()).isEqualTo(1);
        }
    }

    /**
     * Sound files that are not the tenant's as its applier committed it: one that lost the commits its WAL held,
     * one emptied to nothing (a valid empty database), another tenant's copied over it. Each was served as the tenant's
     * (the emptied one answered "no such table", and its writes were set aside for good; the copied one was written on).
     */
    @Test
    void aSoundFileThatIsNotTheTenantsAsCommittedIsRebuiltNotServed() throws Exception {
        Map<String, String> keys = new java.util.HashMap<>();
        TenantFiles files = new TenantFiles(data.resolve("hot"));
        Path older = data.resolve("older.db");
        String lastWrite = null;
        try (TestStack stack = TestStack.start(data)) {
            for (String t : List.of("lostwal", "emptied", "swapped", "other")) keys.put(t, seed(stack, t));
            Files.copy(files.database("lostwal"), older); // its main file: what came after stays in the WAL for now
            for (int i = 0; i < 20; i++) {
                Reply w = stack.post("/v1/tenants/lostwal/execute", keys.get("lostwal"), "{\"sql\":\"INSERT INTO t (n) VALUES (1)\"}");
                assertThat(w.status()).isEqualTo(200);
                lastWrite = w.text("bookmark");
            }
            assertThat(stack.post("/v1/tenants/other/execute", keys.get("other"), "{\"sql\":\"DELETE FROM t WHERE id > 10\"}").status()).isEqualTo(200);
        }
        replace(files.database("lostwal"), older);
        replace(files.database("emptied"), Files.createFile(data.resolve("empty.db")));
        replace(files.database("swapped"), Files.copy(files.database("other"), data.resolve("other-copy.db")));

        try (TestStack stack = TestStack.start(data)) {
            Map<String, String> expected = Map.of("lostwal", "[[3020,4501520]]", "emptied", "[[3000,4501500]]", "swapped", "[[3000,4501500]]",
                    "other", "[[10,55]]");
            // Read-your-writes first: the client's bookmark of its last write, which the old file is behind, is answered
            // from the rebuilt file, not waited on until the next write.
            List<Integer> waited = new ArrayList<>();
            Reply mine = readUntilServed(stack, "lostwal", keys.get("lostwal"), json(Map.of("sql", "SELECT count(*), sum(n) FROM t",
                    "bookmark", lastWrite)), waited);
            assertThat(mine.body().path("rows").toString()).isEqualTo("[[3020,4501520]]");
            assertThat(waited).allMatch(st -> st == 200 || st == 503);
            for (var e : expected.entrySet()) {
                List<Integer> statuses = new ArrayList<>();
                Reply rows = readUntilServed(stack, e.getKey(), keys.get(e.getKey()), statuses);
                assertThat(rows.body().path("rows").toString()).as(e.getKey()).isEqualTo(e.getValue());
                assertThat(statuses).as(e.getKey()).allMatch(st -> st == 200 || st == 503);
            }
            assertThat(stack.registry().get("cairn.applier.rebuilds").tag("reason", "mismatch").counter().count()
                    + stack.registry().get("cairn.applier.rebuilds").tag("reason", "corrupt").counter().count()).isGreaterThanOrEqualTo(3);
            assertThat(stack.post("/v1/tenants/swapped/execute", keys.get("swapped"), "{\"sql\":\"INSERT INTO t (n) VALUES (7)\"}").status())
                    .as("its own key still writes it").isEqualTo(200);
        }
    }

    /**
     * The hot volume put back from an older copy (a backup restored) while the tenant had gone cold since: its old file,
     * sound and its own, was served as current (acknowledged writes missing, answers with a bookmark older than the one
     * asked), and a write was applied on it. Now a cold tenant's file must hold at least its snapshot, as a hot one's
     * what its applier announced: the old file is set aside and the tenant rebuilt before anything is served.
     */
    @Test
    void aColdTenantsOlderFileBroughtBackWithItsVolumeIsNotServed() throws Exception {
        Path hot = data.resolve("hot");
        Path older = data.resolve("older-hot");
        String key;
        try (SnapshotBucket bucket = SnapshotBucket.start(data.resolve("s3"))) {
            try (TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()))) {
                key = seed(stack, "frozen");
            }
            copyTree(hot, older);
            try (TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()))) {
                for (int i = 0; i < 20; i++) {
                    assertThat(stack.post("/v1/tenants/frozen/execute", key, "{\"sql\":\"INSERT INTO t (n) VALUES (1)\"}").status()).isEqualTo(200);
                }
                assertThat(stack.post("/v1/tenants/frozen/tier", TestStack.ADMIN, "{\"tier\":\"cold\"}").status()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).until(() -> "cold".equals(stack.get("/v1/tenants/frozen", TestStack.ADMIN).text("tier")));
            }
            TenantFiles.deleteTree(hot);
            Files.move(older, hot);

            try (TestStack stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()))) {
                List<Integer> statuses = new ArrayList<>();
                Reply rows = readUntilServed(stack, "frozen", key, statuses);
                assertThat(rows.body().path("rows").toString()).as("every acknowledged write").isEqualTo("[[3020,4501520]]");
                assertThat(statuses).allMatch(st -> st == 200 || st == 503);
                assertThat(stack.post("/v1/tenants/frozen/execute", key, "{\"sql\":\"INSERT INTO t (n) VALUES (1)\"}").status()).isEqualTo(200);
                assertThat(stack.post("/v1/tenants/frozen/query", key, COUNT).body().path("rows").toString()).isEqualTo("[[3021,4501521]]");
            }
        }
    }

    /** A tenant file another process holds locked (an operator's sqlite3 in exclusive mode): its reads are 503, never a 500 or a 400. */
    @Test
    void aFileLockedByAnotherProcessIsUnavailableNotAnError() throws Exception {
        String key;
        try (TestStack stack = TestStack.start(data)) {
            key = seed(stack, "locked");
        }
        Connection other = DriverManager.getConnection("jdbc:sqlite:" + new TenantFiles(data.resolve("hot")).database("locked"));
        try (TestStack stack = TestStack.start(data)) {
            try (Statement s = other.createStatement()) {
                s.execute("PRAGMA locking_mode=EXCLUSIVE");
                s.execute("BEGIN EXCLUSIVE"); // held until the connection closes
            }
            Reply read = stack.post("/v1/tenants/locked/query", key, COUNT);
            assertThat(read.status()).as(read.body().toString()).isEqualTo(503);
            assertThat(read.errorCode()).isEqualTo("unavailable");
            other.close();
            await().atMost(Duration.ofSeconds(30)).until(() -> stack.post("/v1/tenants/locked/query", key, COUNT).status() == 200);
        } finally {
            other.close();
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) Files.copy(p, to.resolve(from.relativize(p).toString()));
        }
    }

    /** Puts {@code with} where {@code db} was, without its WAL and index: a file changed while the process was down. */
    private static void replace(Path db, Path with) throws Exception {
        for (String suffix : List.of("-wal", "-shm")) Files.deleteIfExists(Path.of(db + suffix));
        Files.move(with, db, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static String seed(TestStack stack, String tenant) throws Exception {
        String key = stack.createTenant(tenant);
        Reply w = stack.post("/v1/tenants/" + tenant + "/execute", key, json(Map.of("statements", List.of(
                Map.of("sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, pad TEXT)"),
                Map.of("sql", "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)"
                        + " INSERT INTO t (n, pad) SELECT i, printf('%.40c', 'x') FROM c")))));
        assertThat(w.status()).as(w.body().toString()).isEqualTo(200);
        assertThat(stack.post("/v1/tenants/" + tenant + "/query", key, COUNT).body().path("rows").toString()).isEqualTo("[[3000,4501500]]");
        return key;
    }

    /** Reads until the rows are served, noting every status on the way (only 503 may come before the 200). */
    private static Reply readUntilServed(TestStack stack, String tenant, String key, List<Integer> statuses) {
        return readUntilServed(stack, tenant, key, COUNT, statuses);
    }

    private static Reply readUntilServed(TestStack stack, String tenant, String key, String query, List<Integer> statuses) {
        return await().atMost(Duration.ofSeconds(90)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200)).until(() -> {
            Reply r = stack.post("/v1/tenants/" + tenant + "/query", key, query);
            statuses.add(r.status());
            if (r.status() != 200 && r.status() != 503) throw new AssertionError("answered " + r.status() + " " + r.body());
            if (r.status() == 503) assertThat(r.errorCode()).isEqualTo("tenant_recovering");
            return r;
        }, r -> r.status() == 200);
    }

    /** A valid leaf page of {@code table} written over another one of the same table, as a disk might. */
    private static void misdirectPage(Path db, String table) throws Exception {
        List<Long> leaves = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            try (ResultSet rs = s.executeQuery("SELECT pageno FROM dbstat WHERE name = '" + table + "' AND pagetype = 'leaf' ORDER BY pageno")) {
                while (rs.next()) leaves.add(rs.getLong(1));
            }
        }
        assertThat(leaves).hasSizeGreaterThanOrEqualTo(3);
        try (FileChannel ch = FileChannel.open(db, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer page = ByteBuffer.allocate(SqliteConnections.PAGE_SIZE);
            ch.read(page, (leaves.get(0) - 1) * SqliteConnections.PAGE_SIZE);
            page.flip();
            ch.write(page, (leaves.get(2) - 1) * SqliteConnections.PAGE_SIZE);
        }
    }
}
