package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.infra.TestStack.Reply;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.tenantdb.sql.LogicalChecksum;
import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An as-of read of a quiet tenant is built for its last record before the point, never by reading what a busy
 * neighbour of its partition wrote after it (an outside probe: a neighbour writing all it may made another
 * tenant's as-of reads 503 after 30 s of reading the neighbour's records). Points after that record share one
 * copy, named for the record in the edge's space; the content is the replay's of the log to the point. Hot
 * and cold (its snapshot) alike. Real broker, applier and s3proxy.
 */
class AsOfBesideANeighbourIT {
    @TempDir static Path data;
    static SnapshotBucket bucket;
    static TestStack stack;
    static EdgeScratch scratch;

    @BeforeAll
    static void start() throws Exception {
        bucket = SnapshotBucket.start(data.resolve("s3"));
        scratch = new EdgeScratch(data.resolve("scratch"));
        stack = TestStack.startWith(data, spec -> spec.withSnapshots(bucket.options()).withEdge(e -> e.withScratchDir(scratch.dir())));
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
        if (bucket != null) bucket.close();
    }

    @Test
    void aHotTenantsPointsAfterItsLastWriteShareTheCopyOfThatWrite() throws Exception {
        String key = stack.createTenant("nb-hot");
        write(key, "nb-hot", "CREATE TABLE t (n INTEGER)");
        Bookmark last = write(key, "nb-hot", "INSERT INTO t VALUES (1), (2)");
        List<Bookmark> points = neighbourWritesAfter(last, "nb-hot-near");

        for (Bookmark point : points) {
            Reply r = stack.post("/v1/tenants/nb-hot/query", key, "{\"sql\":\"SELECT sum(n) FROM t\",\"as_of\":\"" + point + "\"}");
            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            assertThat(r.body().path("rows").toString()).isEqualTo("[[3]]");
            assertThat(r.text("as_of")).as("the tenant's last record before the point").isEqualTo(last.toString());
        }
        assertThat(stack.get("/v1/tenants/nb-hot/checksum?as_of=" + points.getLast(), key).text("sha256"))
                .isEqualTo(replayedChecksum("nb-hot", points.getLast()));
        assertThat(pastCopiesOf("nb-hot")).as("one copy, built for the tenant's last record").containsExactly(name(last, "nb-hot"));

        write(key, "nb-hot", "INSERT INTO t VALUES (4)");
        Reply before = stack.post("/v1/tenants/nb-hot/query", key, "{\"sql\":\"SELECT sum(n) FROM t\",\"as_of\":\"" + points.getLast() + "\"}");
        assertThat(before.body().path("rows").toString()).as("a later write leaves the past alone").isEqualTo("[[3]]");

        // A restore in place to a point in the neighbour's stretch is built the same way, in the applier.
        Reply restored = stack.post("/v1/tenants/nb-hot/restore", ADMIN, "{\"bookmark\":\"" + points.get(1) + "\"}");
        assertThat(restored.status()).as(restored.body().toString()).isEqualTo(200);
        Reply now = stack.post("/v1/tenants/nb-hot/query", key, "{\"sql\":\"SELECT sum(n) FROM t\"}");
        assertThat(now.body().path("rows").toString()).as("the later write undone").isEqualTo("[[3]]");
        assertThat(stack.checksum("nb-hot", key)).isEqualTo(replayedChecksum("nb-hot", points.get(1)));
    }

    @Test
    void aColdTenantsPointsAfterItsFreezeAreItsSnapshot() throws Exception {
        String key = stack.createTenant("nb-cold");
        write(key, "nb-cold", "CREATE TABLE t (n INTEGER)");
        write(key, "nb-cold", "INSERT INTO t VALUES (5)");
        Reply asked = stack.post("/v1/tenants/nb-cold/tier", ADMIN, "{\"tier\":\"cold\"}");
        assertThat(asked.status()).as(asked.body().toString()).isLessThan(300);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> "cold".equals(stack.get("/v1/tenants/nb-cold", ADMIN).text("tier")));
        Bookmark snapshot = Bookmark.parse(stack.get("/v1/tenants/nb-cold", ADMIN).body().path("last_snapshot").path("bookmark").asText());
        List<Bookmark> points = neighbourWritesAfter(snapshot, "nb-cold-near");

        for (Bookmark point : points) {
            Reply r = stack.post("/v1/tenants/nb-cold/query", key, "{\"sql\":\"SELECT sum(n) FROM t\",\"as_of\":\"" + point + "\"}");
            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            assertThat(r.body().path("rows").toString()).isEqualTo("[[5]]");
        }
        assertThat(stack.get("/v1/tenants/nb-cold/checksum?as_of=" + points.getLast(), key).text("sha256"))
                .isEqualTo(replayedChecksum("nb-cold", points.getLast()));
        assertThat(pastCopiesOf("nb-cold")).as("one copy: the freeze's snapshot").containsExactly(name(snapshot, "nb-cold"));
        assertThat(stack.get("/v1/tenants/nb-cold", ADMIN).text("tier")).as("an as-of read thaws nothing").isEqualTo("cold");
    }

    /** A neighbour of the tenant's partition writes; returns three points of the partition after {@code after}. */
    private static List<Bookmark> neighbourWritesAfter(Bookmark after, String prefix) throws Exception {
        String near = prefix + "-0";
        for (int i = 1; partitionOf(near) != after.partition(); i++) near = prefix + "-" + i;
        String key = stack.createTenant(near);
        write(key, near, "CREATE TABLE noise (b BLOB)");
        Bookmark first = null;
        Bookmark latest = null;
        for (int i = 0; i < 40; i++) {
            latest = write(key, near, "INSERT INTO noise VALUES (randomblob(2000))");
            if (first == null) first = latest;
        }
        Bookmark middle = new Bookmark(after.partition(), (first.offset() + latest.offset()) / 2);
        // The applier publishes where it stands a moment after it answers: the edge proves a point only from there.
        Bookmark end = latest;
        String writer = near;
        try (CopyPositions.Reader positions = CopyPositions.reader(new TenantFiles(data.resolve("hot")))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> positions.holds(end.partition(), writer, end.offset() + 1));
        }
        return List.of(first, middle, latest);
    }

    private static String name(Bookmark b, String tenant) {
        return b.partition() + "-" + b.offset() + "-" + tenant;
    }

    /** The names of this edge's past copies of {@code tenant}. */
    private static List<String> pastCopiesOf(String tenant) throws Exception {
        Path space = scratch.spaces().getFirst();
        return EdgeScratch.names(space.resolve("past")).stream().map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith("-" + tenant)).toList();
    }

    /** The partition Kafka's default partitioner gives the tenant's records (4 partitions in TestStack). */
    private static int partitionOf(String tenant) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(tenant.getBytes(
                java.nio.charset.StandardCharsets.UTF_8))) % 4;
    }

    private static Bookmark write(String key, String tenant, String sql) throws Exception {
        Reply r = stack.post("/v1/tenants/" + tenant + "/execute", key, "{\"sql\":" + TestStack.json(sql) + "}");
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return Bookmark.parse(r.text("bookmark"));
    }

    /** The tenant's checksum right after {@code point}, from a replay of its partition from offset 0 without snapshots. */
    private static String replayedChecksum(String tenant, Bookmark point) throws Exception {
        Path dir = data.resolve("replay-" + UUID.randomUUID());
        new LogReplay(stack.kafkaProperties(), ApplierConfig.primary(dir)).replayPartition(point.partition(), point.offset() + 1,
                tenant::equals, p -> { });
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + new TenantFiles(dir).database(tenant))) {
            return LogicalChecksum.sha256Hex(c);
        }
    }
}
