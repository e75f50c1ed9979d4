package io.cairn.edge.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.Waiter;
import io.cairn.edge.json.StatementSpec;
import io.cairn.topics.Bookmark;
import io.cairn.connectors.cache.LocalQueryCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryRunnerTest {
    @TempDir
    Path hot;

    private TenantFiles files;
    private ReadPool pool;
    private TenantConnection writer;
    private volatile AppliedWait appliedWait = (t, o, d) -> false;

    @BeforeEach
    void tenantFile() throws Exception {
        files = new TenantFiles(hot);
        writer = SqliteFixture.create(files, "acme", 2, 40);
        SqliteFixture.apply(writer, 2, 41,
                "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, data BLOB, big INTEGER)",
                "INSERT INTO items VALUES (1, 'a', 1.5, x'00ff', 9223372036854775807)",
                "INSERT INTO items VALUES (2, 'b', NULL, NULL, -9223372036854775808)");
        pool = new ReadPool(files, SqliteLimits.READ_DEFAULTS, 4);
    }

    @AfterEach
    void close() throws Exception {
        pool.close();
        writer.close();
    }

    private QueryRunner runner(int maxRows, long maxBytes) {
        return new QueryRunner(pool, (t, o, d) -> appliedWait.awaitApplied(t, o, d), maxRows, maxBytes);
    }

    private static StatementSpec sql(String sql, Object... params) {
        return new StatementSpec(sql, List.of(params), Map.of());
    }

    @Test
    void readReturnsRowsWithExactIntegersBlobsAndThePositionItSaw() throws Exception {
        QueryResult r = runner(100, 1 << 20).run("acme", sql("SELECT id, name, price, data, big FROM items ORDER BY id"),
                null, Duration.ofSeconds(1));
        assertThat(r.columns()).containsExactly("id", "name", "price", "data", "big");
        assertThat(r.rows()).hasSize(2);
        assertThat(r.rows().get(0).subList(0, 3)).containsExactly(1L, "a", 1.5d);
        assertThat((byte[]) r.rows().get(0).get(3)).containsExactly(0, 0xff);
        assertThat(r.rows().get(0).get(4)).isEqualTo(Long.MAX_VALUE);
        assertThat(r.rows().get(1).get(4)).isEqualTo(Long.MIN_VALUE);
        assertThat(r.position()).isEqualTo(new Bookmark(2, 41));
    }

    @Test
    void aWriteStatementOnAReadIsRefusedAsReadOnly() {
        assertThatThrownBy(() -> runner(100, 1 << 20).run("acme", sql("INSERT INTO items (id) VALUES (3)"), null,
                Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code().wire()).isEqualTo("read_only");
                });
    }

    @Test
    void aReadIsStoppedWithStorageFullWhenTheSpaceForTemporaryFilesRunsLow() throws Exception {
        pool.close();
        pool = new ReadPool(files, SqliteLimits.READ_DEFAULTS.withMinFreeTempBytes(Long.MAX_VALUE), 4); // no disk has that free
        assertThatThrownBy(() -> runner(100, 1 << 20).run("acme", sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                + " SELECT count(DISTINCT x) FROM (SELECT x FROM c LIMIT 10000000)"), null, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code().wire()).isEqualTo("storage_full");
                    assertThat(e.getMessage()).contains("temporary files").doesNotContain(hot.toString());
                });
        // A read too short to reach the check (the progress handler runs every 10,000 steps) is answered.
        assertThat(runner(100, 1 << 20).run("acme", sql("SELECT name FROM items WHERE id = 1"), null, Duration.ofSeconds(1)).rows())
                .containsExactly(List.of("a"));
    }

    /**
     * SQLite copies a view into each statement that names it before anything runs, out of the statement clock's reach:
     * a read naming views past the limit is refused before it is compiled, also once the schema changed under a
     * statement the connection had compiled already (outside probe: four reads took 80 s and 4 GB).
     */
    @Test
    void aReadNamingTooMuchViewIsRefusedBeforeSqliteCompilesIt() throws Exception {
        SqliteFixture.apply(writer, 2, 42, "CREATE VIEW v AS SELECT * FROM items", "CREATE VIEW w AS SELECT * FROM v");
        QueryRunner runner = runner(100, 1 << 20);
        String naming = "SELECT count(*) FROM w AS a, w AS b, w AS c";
        assertThat(runner.run("acme", sql(naming), null, Duration.ofSeconds(1)).rows()).containsExactly(List.of(8L));
        // v holds items 491 times, w holds v 3 times: about 40,000 tokens of SQL each time w is named.
        SqliteFixture.apply(writer, 2, 43, "DROP VIEW w", "DROP VIEW v", "CREATE VIEW v AS SELECT * FROM items" + " UNION ALL SELECT * FROM items".repeat(490),
                "CREATE VIEW w AS SELECT * FROM v" + " UNION ALL SELECT * FROM v".repeat(2));
        assertThatThrownBy(() -> runner.run("acme", sql(naming), null, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code().wire()).isEqualTo("statement_too_long");
                    assertThat(e.getMessage()).contains("with the views it names expanded");
                });
        assertThat(runner.run("acme", sql("SELECT count(*) FROM w"), null, Duration.ofSeconds(1)).rows()).containsExactly(List.of(2L * 491 * 3));
    }

    @Test
    void sqlErrorsCarrySqlitesOwnMessage() {
        assertThatThrownBy(() -> runner(100, 1 << 20).run("acme", sql("SELECT nope FROM items"), null, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code().wire()).isEqualTo("sql_error");
                    assertThat(e.getMessage()).contains("no such column").doesNotContain(hot.toString());
                });
    }

    @Test
    void moreRowsThanTheLimitIsResultTooLargeWithPagingAdvice() {
        assertThatThrownBy(() -> runner(1, 1 << 20).run("acme", sql("SELECT * FROM items"), null, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code().wire()).isEqualTo("result_too_large");
                    assertThat(e.getMessage()).contains("LIMIT").contains("keyset");
                });
        assertThatThrownBy(() -> runner(100, 1024).run("acme",
                sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT printf('%100d', i) FROM n"),
                null, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code().wire()).isEqualTo("result_too_large"));
    }

    @Test
    void aMissingFileIsALostOneNotAnAnswer() {
        // The routes only read tenants the directory knows: a file missing then was lost, and is never "no rows".
        assertThatThrownBy(() -> runner(10, 1 << 20).run("nobody", sql("SELECT 1"), null, Duration.ofSeconds(1)))
                .isInstanceOf(TenantFileDamaged.class).hasMessageContaining("missing");
    }

    @Test
    void aFileWithAMisdirectedPageIsNeverServed() throws Exception {
        SqliteFixture.apply(writer, 2, 41, "WITH RECURSIVE c(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)"
                + " INSERT INTO items (id, name) SELECT i, 'item-' || i FROM c");
        runner(10, 1 << 20).run("acme", sql("SELECT 1"), null, Duration.ofSeconds(1));
        pool.close();
        pool = new ReadPool(new TenantFiles(hot), SqliteLimits.READ_DEFAULTS, 4); // as after a restart of the edge
        SqliteFixture.misdirectPage(new TenantFiles(hot).database("acme"), "items");

        assertThatThrownBy(() -> runner(10, 1 << 20).run("acme", sql("SELECT count(*) FROM items"), null, Duration.ofSeconds(1)))
                .isInstanceOf(TenantFileDamaged.class).hasMessageContaining("quick_check");
    }

    @Test
    void readWithBookmarkWaitsUntilTheFileHasAppliedIt() throws Exception {
        CompletableFuture<Void> applied = new CompletableFuture<>();
        appliedWait = (t, o, d) -> {
            try {
                applied.get(d.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return false;
            }
        };
        var read = Waiter.start(() -> runner(10, 1 << 20).run("acme", sql("SELECT count(*) FROM items"), new Bookmark(2, 42),
                Duration.ofSeconds(5))).blocked().future();
        assertThat(read).isNotDone();
        SqliteFixture.apply(writer, 2, 42, "INSERT INTO items (id, name) VALUES (3, 'c')");
        applied.complete(null);
        QueryResult r = read.get(5, TimeUnit.SECONDS);
        assertThat(r.rows().get(0)).containsExactly(3L);
        assertThat(r.position()).isEqualTo(new Bookmark(2, 42));
    }

    @Test
    void readWithABookmarkTheCopyNeverReachesTimesOut() {
        assertThatThrownBy(() -> runner(10, 1 << 20).run("acme", sql("SELECT 1"), new Bookmark(2, 99), Duration.ofMillis(50)))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(504);
                    assertThat(e.code().wire()).isEqualTo("bookmark_timeout");
                });
    }

    @Test
    void connectionsAreReusedAndEvictedTenantsClosed() throws Exception {
        QueryRunner r = runner(10, 1 << 20);
        r.run("acme", sql("SELECT 1"), null, Duration.ofSeconds(1));
        assertThat(pool.idleCount()).isEqualTo(1);
        r.run("acme", sql("SELECT 1"), null, Duration.ofSeconds(1));
        assertThat(pool.idleCount()).isEqualTo(1);
        pool.evict("acme");
        assertThat(pool.idleCount()).isZero();
    }

    @Test
    void readsOfTheClockOrOfRandomValuesAreNeverAnsweredFromTheCache() throws Exception {
        SqliteFixture.apply(writer, 2, 42, "CREATE VIEW lucky AS SELECT id, random() AS draw FROM items");
        ReadCache readCache = new ReadCache(new LocalQueryCache(1 << 20, 16 << 20, new SimpleMeterRegistry()),
                Duration.ZERO, Duration.ofMinutes(5));
        QueryRunner r = new QueryRunner(pool, (t, o, d) -> false, 100, 1 << 20, readCache);
        Bookmark at = new Bookmark(2, 42);

        StatementSpec stable = sql("SELECT count(*), max(name) FROM items");
        r.run("acme", stable, null, Duration.ofSeconds(1));
        assertThat(readCache.lookup("acme", at, stable.sql(), stable)).isPresent();

        for (String text : List.of("SELECT draw FROM lucky WHERE id = 1", "SELECT random()", "SELECT strftime('%f', 'now')",
                "SELECT CURRENT_TIMESTAMP", "SELECT hex(randomblob(8)) FROM items")) {
            StatementSpec varies = sql(text);
            QueryResult first = r.run("acme", varies, null, Duration.ofSeconds(1));
            assertThat(readCache.lookup("acme", at, varies.sql(), varies)).as(text).isEmpty();
            assertThat(first.position()).isEqualTo(at);
        }
        StatementSpec draw = sql("SELECT draw FROM lucky WHERE id = 1");
        Object one = r.run("acme", draw, null, Duration.ofSeconds(1)).rows().getFirst().getFirst();
        Object two = r.run("acme", draw, null, Duration.ofSeconds(1)).rows().getFirst().getFirst();
        assertThat(two).isNotEqualTo(one);
    }
}
