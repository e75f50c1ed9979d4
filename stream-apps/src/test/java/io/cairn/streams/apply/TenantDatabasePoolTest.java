package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool opens files outside its lock; these check what that must not change. */
class TenantDatabasePoolTest {
    @TempDir
    Path hot;

    @Test
    void threadsAskingForOneTenantAtOnceShareOneOpenDatabase() throws Exception {
        try (TenantDatabasePool first = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 16)) {
            first.release(first.create("acme"));
        }
        for (int round = 0; round < 20; round++) {
            try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 16);
                 ExecutorService threads = Executors.newFixedThreadPool(8)) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<TenantDatabase>> got = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    got.add(threads.submit(() -> {
                        go.await();
                        return pool.acquire("acme");
                    }));
                }
                go.countDown();
                TenantDatabase one = got.getFirst().get();
                assertThat(one).isNotNull();
                for (Future<TenantDatabase> f : got) assertThat(f.get()).isSameAs(one);
                assertThat(pool.openCount()).isEqualTo(1);
                assertThat(pool.isOpen("acme")).isTrue();
            }
        }
    }

    @Test
    void aTenantWithoutAFileIsNotOpenedAndADiscardedOneIsOpenedAfresh() throws Exception {
        try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 16)) {
            assertThat(pool.acquire("nobody")).isNull();
            assertThat(pool.isOpen("nobody")).isFalse();
            TenantDatabase created = pool.create("acme");
            pool.release(created);
            pool.discard("acme");
            assertThat(pool.isOpen("acme")).isFalse();
            TenantDatabase again = pool.acquire("acme");
            assertThat(again).isNotNull().isNotSameAs(created);
            pool.release(again);
        }
    }

    @Test
    void theBoundHoldsWhileOpeningOffTheLock() throws Exception {
        try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 4);
             ExecutorService threads = Executors.newFixedThreadPool(4)) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                all.add(threads.submit(() -> {
                    for (int i = 0; i < 25; i++) pool.release(pool.create("t" + thread + "-" + i));
                    return null;
                }));
            }
            for (Future<?> f : all) f.get();
            assertThat(pool.openCount()).isLessThanOrEqualTo(4);
        }
    }

    /**
     * A connection closing checkpoints its WAL and then deletes the {@code -wal} and {@code -shm} by name. SQLite
     * skips that for a file already moved or removed, but a close that began before a new file was placed (a
     * restore, a heal, a thaw) deletes the new file's, with commits in them that no checkpoint has copied. So
     * a discard returns only once every connection of the tenant is closed, those the pool closes in the
     * background included. Thirty idle tenants closed ahead of this one make its background close come well
     * after a discard that did not wait for it.
     */
    @Test
    void aDiscardWaitsForTheTenantsBackgroundClosesSoAFilePlacedAfterItKeepsItsCommits() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        try (TenantDatabasePool pool = new TenantDatabasePool(files, SqliteLimits.WRITE_DEFAULTS, 64)) {
            Path restored = hot.resolve("restored.db");
            try (TenantConnection c = SqliteConnections.openWritable("acme", restored, SqliteLimits.WRITE_DEFAULTS);
                 Statement s = c.connection().createStatement()) {
                s.execute("CREATE TABLE t(v TEXT)");
                s.execute("INSERT INTO t VALUES ('restored')");
            }
            for (int i = 0; i < 30; i++) insert(pool, "t" + i, "x");
            insert(pool, "acme", "before the restore");
            assertThat(pool.closeIdle(System.nanoTime() + 2 * TenantDatabasePool.IDLE_CLOSE_AFTER.toNanos())).isEqualTo(31);

            pool.discard("acme");
            Path wal = files.sideFiles("acme").getFirst();
            assertThat(wal).as("the old connection closed (its close checkpointed and removed the WAL)").doesNotExist();

            files.install("acme", restored);
            insert(pool, "acme", "after the restore"); // committed into the new file's WAL; the pool keeps it open

            assertThat(wal).exists();
            try (TenantConnection reader = SqliteConnections.openReadOnly("acme", files.database("acme"), SqliteLimits.READ_DEFAULTS);
                 Statement s = reader.connection().createStatement();
                 ResultSet rs = s.executeQuery("SELECT group_concat(v, ', ') FROM t")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("restored, after the restore");
            }
        }
    }

    /** One committed row in the tenant's table {@code t}, through the pool as the applier writes. */
    private static void insert(TenantDatabasePool pool, String tenant, String value) throws Exception {
        TenantDatabase db = pool.create(tenant);
        db.beginIfNeeded();
        db.execute("CREATE TABLE IF NOT EXISTS t(v TEXT)");
        db.execute("INSERT INTO t VALUES ('" + value + "')");
        db.commit();
        pool.release(db);
    }
}
