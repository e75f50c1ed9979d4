package io.cairn.streams.apply;

import static io.cairn.streams.apply.Commands.create;
import static io.cairn.streams.apply.Commands.execute;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A tenant's file is checked ({@code quick_check}) the first time this instance uses it, unless this
 * instance made the whole file itself: reopening a file it created checks nothing again.
 */
class TenantRecoveryTest extends ApplierHarness {
    private final AtomicInteger rebuilds = new AtomicInteger();
    private final TenantRecovery.Rebuilder countingRebuilder = (tenant, partition, end, scratch) -> rebuilds.incrementAndGet();

    @Test
    void aFileThisInstanceCreatedIsNotCheckedWhenItIsOpenedAgain() {
        startApplier(1, countingRebuilder); // one open file: each tenant's record closes the other's
        assertOk(applyAll(create("a"), create("b"), execute("a", "CREATE TABLE t (x)"), execute("b", "CREATE TABLE t (x)"),
                execute("a", "INSERT INTO t VALUES (1)"), execute("b", "INSERT INTO t VALUES (1)")));

        assertThat(checks()).isZero();
        assertThat(rebuilds.get()).isZero();
    }

    @Test
    void aFileAnEarlierInstanceMadeIsCheckedOnceOnItsFirstUse() {
        startApplier(1, countingRebuilder);
        assertOk(applyAll(create("a"), execute("a", "CREATE TABLE t (x)")));

        startApplier(1, countingRebuilder); // a restart before any Kafka commit: the records arrive again, and this instance made no file
        double before = checks();
        pipe(create("a"), execute("a", "CREATE TABLE t (x)")); // applied before: skipped, nothing to answer
        assertOk(applyAll(execute("a", "INSERT INTO t VALUES (1)"), create("b"), execute("a", "INSERT INTO t VALUES (2)")));

        assertThat(checks() - before).as("checked before its first record here, not when it is opened again").isEqualTo(1);
        assertThat(rebuilds.get()).isZero();
    }

    /**
     * Pages of Cairn's own tables damaged under a file in use: the write commits, reading the tenant's state then
     * fails with SQLITE_CORRUPT. The file is set aside at once and rebuilt by the tenant's next record; before, every
     * commit warned and went on writing into the damaged file until the edge's recheck minutes later.
     */
    @Test
    void aFileFoundDamagedAfterACommitIsSetAsideAndRebuiltByTheNextRecord() throws Exception {
        startApplier(1, countingRebuilder); // one open file: each record of the other tenant closes it, so pages are read again
        assertOk(applyAll(create("a"), create("b"), execute("a", "CREATE TABLE t (x)"), execute("b", "CREATE TABLE t (x)")));
        java.nio.file.Path file = pool.files().database("a");
        long keysPage;
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file); var rs = c.createStatement()
                .executeQuery("SELECT rootpage FROM sqlite_schema WHERE name = '_cairn_keys'")) {
            keysPage = rs.getLong(1); // a page the commit reads for the tenant's state, and a write does not touch
        }
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            byte[] junk = new byte[4096];
            new java.util.Random(7).nextBytes(junk);
            ch.write(java.nio.ByteBuffer.wrap(junk), (keysPage - 1) * 4096);
        }
        applyAll(execute("b", "INSERT INTO t VALUES (1)"), execute("a", "INSERT INTO t VALUES (1)"));
        applyAll(execute("a", "INSERT INTO t VALUES (2)"));

        assertThat(rebuilds.get()).as("rebuilt from the log once found damaged").isGreaterThanOrEqualTo(1);
    }

    /**
     * A file that lost commits while it was closed (a WAL truncated or deleted: SQLite then recovers what is left, an older
     * file): the tenant's next record rebuilds it instead of being applied on top, which lost acknowledged writes for good.
     */
    @Test
    void aFileThatLostCommitsWhileClosedIsRebuiltNotWrittenOn() throws Exception {
        startApplier(1, countingRebuilder); // one open file: each record of the other tenant closes it
        assertOk(applyAll(create("a"), create("b"), execute("a", "CREATE TABLE t (x)"), execute("b", "CREATE TABLE t (x)")));
        java.nio.file.Path file = pool.files().database("a");
        closedAndCheckpointed("a");
        java.nio.file.Path older = file.resolveSibling("a.older");
        java.nio.file.Files.copy(file, older); // closed: checkpointed, whole without a WAL
        assertOk(applyAll(execute("a", "INSERT INTO t VALUES (1)"), execute("b", "INSERT INTO t VALUES (1)")));
        for (String side : List.of("-wal", "-shm")) java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(file + side));
        java.nio.file.Files.move(older, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // the commit of row 1 lost

        applyAll(execute("a", "INSERT INTO t VALUES (2)"));

        assertThat(rebuilds.get()).as("rebuilt from the log, not written on").isGreaterThanOrEqualTo(1);
    }

    /**
     * The registry and a tenant's file both lost (an operator's deletion, outside probe): the registry made again knows no
     * tenant, and answered the tenant's writes tenant_not_found, writes a later replay of the log applied. A tenant it
     * does not know, whose file is missing, is looked up in the log instead.
     */
    @Test
    void aTenantALostRegistryDoesNotKnowIsLookedUpInTheLogNotAnsweredUnknown() throws Exception {
        startApplier(1, countingRebuilder);
        assertOk(applyAll(create("a"), create("b"), execute("a", "CREATE TABLE t (x)"), execute("b", "CREATE TABLE t (x)")));
        java.nio.file.Path registryFile = pool.files().registryFile();
        java.nio.file.Path file = pool.files().database("a");
        for (String side : List.of("", "-wal", "-shm")) {
            java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(registryFile + side));
            java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(file + side));
        }

        startApplier(1, countingRebuilder);
        applyAll(execute("a", "INSERT INTO t VALUES (1)"));
        assertThat(rebuilds.get()).as("asked the log for a").isEqualTo(1);
        applyAll(execute("b", "INSERT INTO t VALUES (1)")); // b's file is there: nothing to ask
        assertThat(rebuilds.get()).isEqualTo(1);
    }

    /**
     * A rebuild takes as long as the log since the tenant's newest snapshot (23 s from outside): on the stream thread
     * every tenant of the partition waited for it. It runs in the heavy lane: another tenant's write is answered while
     * the rebuild is still going, and the rebuilt tenant's write once it is done.
     */
    @Test
    void aRebuildFromTheLogRunsInTheHeavyLaneWhileTheOtherTenantsGoOn() throws Exception {
        java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<String> rebuiltOn = new java.util.concurrent.atomic.AtomicReference<>();
        java.nio.file.Path saved = hot.resolve("a.saved");
        TenantRecovery.Rebuilder slow = (tenant, partition, end, scratch) -> {
            rebuiltOn.set(Thread.currentThread().getName());
            try {
                finish.await(20, java.util.concurrent.TimeUnit.SECONDS); // bounded: without the lane this is the test's own thread
                java.nio.file.Path rebuilt = new io.cairn.tenantdb.sqlite.TenantFiles(scratch).database(tenant);
                java.nio.file.Files.createDirectories(rebuilt.getParent());
                java.nio.file.Files.copy(saved, rebuilt); // what the log makes
            } catch (InterruptedException | java.io.IOException e) {
                throw new java.sql.SQLException(e);
            }
        };
        startApplier(1, slow); // one open file: b's records close a's
        assertOk(applyAll(create("a"), create("b"), execute("a", "CREATE TABLE t (x)"), execute("b", "CREATE TABLE t (x)")));
        java.nio.file.Path file = pool.files().database("a");
        closedAndCheckpointed("a");
        java.nio.file.Files.copy(file, saved);
        for (String side : List.of("", "-wal", "-shm")) java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(file + side));

        TenantCommand toA = execute("a", "INSERT INTO t VALUES (1)");
        pipe(toA);
        assertOk(applyAll(execute("b", "INSERT INTO t VALUES (1)")));
        assertThat(finish.getCount()).as("b answered while a's rebuild still waits").isEqualTo(1);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> rebuiltOn.get() != null);
        assertThat(rebuiltOn.get()).as("rebuilt off the stream thread").startsWith("cairn-heavy-lane-");

        finish.countDown();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            driver.advanceWallClockTime(java.time.Duration.ofMillis(5));
            return results.readValuesToList().stream().anyMatch(r -> r.getCommandId().equals(toA.getCommandId()) && r.getOk());
        });
        assertThat(query("a", "SELECT x FROM t")).containsExactly(List.of(1));
        assertThat(rebuilds()).as("counted as a file missing").isEqualTo(1);
    }

    /** A file over 16 MiB is not checked page by page on the stream thread: its first record here goes to the heavy lane. */
    @Test
    void aLargeFileIsCheckedInTheHeavyLane() throws Exception {
        List<TenantCommand> before = List.of(create("a"), create("b"), execute("a", "CREATE TABLE t (x)"), execute("b", "CREATE TABLE t (x)"));
        startApplier(1, countingRebuilder); // one open file: b's record closed a's
        assertOk(applyAll(before.toArray(TenantCommand[]::new)));
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + pool.files().database("a")); var s = c.createStatement()) {
            s.execute("CREATE TABLE ballast (b)"); // a large file, however it grew
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) INSERT INTO ballast SELECT randomblob(1048576) FROM n");
        }
        startApplier(1, countingRebuilder); // a restart: the file is not checked here yet
        double deferredBefore = deferred();
        pipe(before.get(0)); // a's first record here (applied before: skipped, after the check)
        assertThat(deferred() - deferredBefore).as("sent to the lane, not checked on the stream thread").isEqualTo(1);
        pipe(before.subList(1, before.size()).toArray(TenantCommand[]::new));

        assertOk(applyAll(execute("a", "INSERT INTO t VALUES (1)")));
        assertThat(checks()).as("checked there").isGreaterThanOrEqualTo(1);
        assertThat(rebuilds.get()).isZero();
    }

    /**
     * Closes the tenant's file as the pool closes an idle one (off the stream thread), and waits until it is closed, its WAL
     * checkpointed and gone: the pool's eviction of it, when another tenant's file opened, may not have come, or be under way.
     */
    private void closedAndCheckpointed(String tenant) {
        java.nio.file.Path wal = java.nio.file.Path.of(pool.files().database(tenant) + "-wal");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            pool.closeIdle(System.nanoTime() + TenantDatabasePool.IDLE_CLOSE_AFTER.toNanos() * 2); // as if idle long enough
            return !pool.isOpen(tenant) && !java.nio.file.Files.exists(wal);
        });
    }

    private double rebuilds() {
        return registry.find("cairn.applier.rebuilds").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double deferred() {
        return registry.find("cairn.applier.records").tag("outcome", "deferred").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double checks() {
        return registry.find("cairn.applier.file.checks").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static void assertOk(List<CommandResult> results) {
        assertThat(results).allSatisfy(r -> assertThat(r.getOk()).as(String.valueOf(r.getError())).isTrue());
    }
}
