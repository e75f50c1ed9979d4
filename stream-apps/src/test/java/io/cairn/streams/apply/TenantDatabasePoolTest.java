package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
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
}
