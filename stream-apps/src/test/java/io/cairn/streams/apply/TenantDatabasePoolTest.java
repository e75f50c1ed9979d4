package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
     * A database evicted over the bound leaves the pool at once but holds its files until its close (a checkpoint, a
     * sync) is done in the background: closingCount() says so, and reads 0 only once no file of theirs is open. The
     * open-tenants gauge alone read 0 while 782 tenants of the bench's idle scenario still held their files.
     */
    @Test
    void evictedDatabasesCountAsClosingUntilTheirFilesAreClosed() throws Exception {
        int tenants = 40;
        int bound = 4;
        List<String> seenOpenWhileNoneClosing = new ArrayList<>();
        try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, bound)) {
            List<TenantDatabase> held = new ArrayList<>();
            for (int i = 0; i < tenants; i++) {
                TenantDatabase db = pool.create("t" + i); // in use: not evicted, whatever the bound
                db.beginIfNeeded();
                db.execute("CREATE TABLE x (a)");
                db.execute("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 20000) INSERT INTO x SELECT n FROM c");
                db.commit(); // a WAL with pages in it: its close checkpoints them
                held.add(db);
            }
            held.forEach(pool::release); // each release evicts one: 36 closes at once
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(60)).until(() -> {
                int closing = pool.closingCount(); // first: a close counts down only after its files are closed
                List<String> open = openFilesOfTenantsBelow(tenants - bound);
                if (closing == 0 && !open.isEmpty()) seenOpenWhileNoneClosing.addAll(open);
                return closing == 0;
            });
            assertThat(seenOpenWhileNoneClosing).as("files of evicted tenants open while nothing was closing").isEmpty();
            assertThat(openFilesOfTenantsBelow(tenants - bound)).isEmpty();
            assertThat(pool.openCount()).isEqualTo(bound);
        }
    }

    /**
     * At most {@code maxOpen} databases are closing at once: past that, opening another file waits for a close to finish,
     * while a tenant already open is handed out at once. Closes piled up unbounded before, each holding its files, on a
     * volume whose syncs were slower than the opens.
     */
    @Test
    void anOpenWaitsWhileAsManyDatabasesAreClosingAsThePoolKeepsOpen() throws Exception {
        java.util.concurrent.BlockingQueue<Runnable> heldCloses = new java.util.concurrent.LinkedBlockingQueue<>();
        try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 2, new TenantTemplates(),
                heldCloses::add);
             ExecutorService threads = Executors.newSingleThreadExecutor()) {
            for (int i = 0; i < 4; i++) pool.release(pool.create("t" + i)); // t0 and t1 evicted: two closes held
            assertThat(pool.closingCount()).isEqualTo(2);
            pool.release(pool.acquire("t3")); // open already: no wait

            Thread[] opener = new Thread[1];
            Future<TenantDatabase> fifth = threads.submit(() -> {
                opener[0] = Thread.currentThread();
                return pool.create("t4");
            });
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> opener[0] != null && opener[0].getState() == Thread.State.WAITING);
            assertThat(fifth).isNotDone();
            assertThat(Files.exists(new TenantFiles(hot).database("t4"))).as("the file is not made while it waits").isFalse();

            heldCloses.take().run(); // one close done: room for one more
            pool.release(fifth.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertThat(pool.openWaitsTotal()).as("the wait counted (cairn_applier_open_waits_total)").isEqualTo(1);
            assertThat(pool.closingCount()).isEqualTo(2); // t4's open evicted t2
            assertThat(pool.openCount()).isEqualTo(2);
            while (!heldCloses.isEmpty()) heldCloses.take().run();
            assertThat(pool.closingCount()).isZero();
        }
    }

    /** Files of tenants t0 .. t(n-1) (the evicted ones) this process has open, from /proc/self/fd. */
    private List<String> openFilesOfTenantsBelow(int n) throws Exception {
        Pattern tenantFile = Pattern.compile("/t(\\d+)\\.db(-wal|-shm)?$");
        String hotDir = hot.toRealPath().toString();
        List<String> found = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (java.io.IOException closedMeanwhile) {
                    continue;
                }
                Matcher m = tenantFile.matcher(target);
                if (target.startsWith(hotDir) && m.find() && Integer.parseInt(m.group(1)) < n) found.add(target);
            }
        }
        return found;
    }
}
