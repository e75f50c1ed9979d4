package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The heavy lane: expensive records run beside everyone else's, in their tenant's order, and survive a crash. */
class HeavyLaneTest extends ApplierHarness {
    @Test
    void anExpensiveWriteRunsBesideOtherTenantsWritesAndBeforeItsTenantsNextOne() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"),
                Commands.create("bob"), Commands.execute("bob", "CREATE TABLE t (n)"));
        TenantCommand runaway = Commands.execute("acme", TenantIsolationTest.RUNAWAY_INSERT);
        TenantCommand acmeAfter = Commands.execute("acme", "INSERT INTO t VALUES (2)");
        TenantCommand bobs = Commands.execute("bob", "INSERT INTO t VALUES (1)");

        pipe(Commands.execute("acme", "INSERT INTO t VALUES (1)"), runaway, acmeAfter, bobs);
        driver.advanceWallClockTime(Duration.ofMillis(5));
        List<CommandResult> first = results.readValuesToList();

        assertThat(first).extracting(CommandResult::getCommandId).contains(bobs.getCommandId())
                .as("the runaway and the tenant's write behind it are still in the lane").doesNotContain(runaway.getCommandId(), acmeAfter.getCommandId());
        List<CommandResult> later = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(5));
            later.addAll(results.readValuesToList());
            return later.stream().anyMatch(r -> r.getCommandId().equals(acmeAfter.getCommandId()));
        });
        assertThat(later).extracting(CommandResult::getCommandId).containsSubsequence(runaway.getCommandId(), acmeAfter.getCommandId());
        assertThat(later.getFirst().getError().getCode()).isEqualTo("statement_timeout");
        assertThat(query("acme", "SELECT n FROM t ORDER BY n")).containsExactly(List.of(1), List.of(2));
        assertThat(lane.owns("acme")).as("the tenant is back on the stream thread").isFalse();
        assertThat(applyAll(Commands.execute("acme", "INSERT INTO t VALUES (3)"))).allMatch(CommandResult::getOk);
    }

    /**
     * A write of few steps, each making tens of megabytes (which no budget counts), held the lane's one worker 40 s
     * and every other tenant's heavy writes behind it (outside probe). The spare worker takes them while it runs,
     * and the slow tenant's turns come alone afterwards, never in a group others wait on.
     */
    @Test
    void aWriteThatHoldsItsWorkerLongLeavesOtherTenantsHeavyWritesToTheSpareAndComesAloneAfter() throws Exception {
        laneThreads = 1;
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"),
                Commands.create("bob"), Commands.execute("bob", "CREATE TABLE t (n)"));
        TenantCommand slow = Commands.execute("acme", "INSERT INTO t SELECT sum(length(upper(printf('%.*c', 50000000 - x, 'x'))))"
                + " FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20) SELECT x FROM c)");
        pipe(slow);
        driver.advanceWallClockTime(Duration.ofMillis(5));
        await().atMost(Duration.ofSeconds(60)).until(() -> lane.workersBusy() == 1);
        TenantCommand bobs = Commands.execute("bob", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000)"
                + " INSERT INTO t SELECT x FROM c"); // past the quick budget: for the lane
        pipe(bobs);
        List<String> done = new ArrayList<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(5));
            results.readValuesToList().forEach(r -> done.add(r.getCommandId()));
            return done.contains(bobs.getCommandId());
        });
        assertThat(done).as("bob's heavy write did not wait for acme's").doesNotContain(slow.getCommandId());
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(10)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(5));
            results.readValuesToList().forEach(r -> done.add(r.getCommandId()));
            return done.contains(slow.getCommandId());
        });
        assertThat(lane.appliedAlone("acme")).isTrue();
        assertThat(lane.appliedAlone("bob")).isFalse();
    }

    /**
     * A heavy write sent to the lane while a fleet run's tenants wait there is applied in the lane's next group, not after
     * the run: the lane's one line made it wait for every tenant of the run (the bench's 10,000: write_timeout after 30 s).
     */
    @Test
    void aHeavyWriteDuringAFleetRunIsAppliedBeforeTheRunsTenants() throws Exception {
        laneThreads = 1;
        startApplier(16);
        int fleet = 400;
        List<TenantCommand> setUp = new ArrayList<>();
        for (int i = 0; i < fleet; i++) {
            setUp.add(Commands.create("f" + i));
            setUp.add(Commands.execute("f" + i, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)",
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) INSERT INTO items SELECT x, 'item-' || x FROM c"));
        }
        setUp.add(Commands.create("bob"));
        setUp.add(Commands.execute("bob", "CREATE TABLE t (n)"));
        assertThat(applyAll(setUp.toArray(TenantCommand[]::new))).allMatch(CommandResult::getOk);
        List<List<String>> versions = List.of(List.of("ALTER TABLE items ADD COLUMN sku TEXT", "CREATE INDEX items_sku ON items (sku)"));
        List<TenantCommand> run = new ArrayList<>();
        for (int i = 0; i < fleet; i++) run.add(Commands.migrate("f" + i, "run-1", "app", versions));
        TenantCommand bobs = Commands.execute("bob", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000)"
                + " INSERT INTO t SELECT x FROM c"); // past the quick budget: for the lane, behind the run's tenants
        pipe(run.toArray(TenantCommand[]::new));
        driver.advanceWallClockTime(Duration.ofMillis(5));
        List<String> done = new ArrayList<>();
        results.readValuesToList().forEach(r -> done.add(r.getCommandId()));
        int doneBefore = done.size(); // the lane applies the run while it is piped
        pipe(bobs);
        run.add(bobs);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(10)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(5));
            results.readValuesToList().forEach(r -> done.add(r.getCommandId()));
            return done.contains(bobs.getCommandId());
        });
        int migrated = done.size() - 1 - doneBefore;
        assertThat(migrated).as("after bob's write came, %d of the run's tenants were applied before it: the group in hand and"
                + " one not yet forwarded at most", migrated).isLessThanOrEqualTo(2 * HeavyLane.BATCH).isLessThan(fleet - doneBefore - 1);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(10)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(5));
            results.readValuesToList().forEach(r -> done.add(r.getCommandId()));
            return run.stream().allMatch(c -> done.contains(c.getCommandId()));
        });
        assertThat(query("f0", "SELECT count(*) FROM pragma_index_list('items')")).containsExactly(List.of(1));
        assertThat(query("f" + (fleet - 1), "SELECT count(*) FROM pragma_index_list('items')")).containsExactly(List.of(1));
    }

    @Test
    void aDeleteRightAfterTheLaneGaveItsTenantBackLeavesTheTombstoneLast() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"));
        states.readKeyValuesToList();
        // Past the stream thread's quick budget, within the full one: applied in the lane, and the tenant given back.
        pipe(Commands.execute("acme", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) INSERT INTO t SELECT x FROM c"));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> !lane.owns("acme"));
        pipe(Commands.delete("acme")); // before a punctuation forwarded what the lane applied
        driver.advanceWallClockTime(Duration.ofMillis(5));
        List<org.apache.kafka.streams.KeyValue<String, io.cairn.topics.avro.TenantState>> out = states.readKeyValuesToList();
        assertThat(out).as("the lane's state, then the delete's tombstone, last").extracting(kv -> kv.value == null ? "tombstone" : "state")
                .contains("state").endsWith("tombstone");
    }

    @Test
    void recordsTheLaneHadYetToApplyAreFetchedAgainAfterARestart() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"));
        Bookmark at = new Bookmark(0, 100);
        TenantCommand heavy = Commands.execute("acme", "INSERT INTO t VALUES (42)");
        Map<Bookmark, TenantCommand> log = new HashMap<>(Map.of(at, heavy));
        TenantDatabasePool crashed = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 4);
        open.add(crashed);
        // A lane that queued the record and recorded it before an offset commit, then died before running it.
        HeavyLane dead = new HeavyLane(crashed, 100, null, TenantRecovery.NONE, new ApplierMetrics(registry), log::get, 1);
        dead.enqueue(new ApplyProcessor.LogRecord(heavy, at));
        dead.persistPending();
        assertThat(crashed.registry().deferredOf(0)).containsExactly(at);

        HeavyLane restarted = new HeavyLane(crashed, 100, null, TenantRecovery.NONE, new ApplierMetrics(registry), log::get, 1);
        open.add(restarted);
        restarted.recover(0);
        restarted.start();
        List<Emission> out = new ArrayList<>();
        // As the stream thread would: the same thread forwards and commits (its producer is the one flushed).
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            restarted.drainTo(out);
            return out.stream().anyMatch(e -> e.value() instanceof CommandResult r && r.getCommandId().equals(heavy.getCommandId()));
        });
        assertThat(query("acme", "SELECT n FROM t")).containsExactly(List.of(42));
        restarted.persistPending(); // the commit that flushes what was just forwarded
        assertThat(crashed.registry().deferredOf(0)).as("kept until its outcome and state were flushed").containsExactly(at);
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            restarted.drainTo(out); // the stream thread's turns: forward, commit, forward, commit
            restarted.persistPending();
            return crashed.registry().deferredOf(0).isEmpty();
        });
    }

    @Test
    void severalWorkersApplyEveryTenantsRecordsInTheLogsOrder() throws Exception {
        startApplier(64);
        List<String> tenants = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String t = "w" + i;
            tenants.add(t);
            applyAll(Commands.create(t), Commands.execute(t, "CREATE TABLE t (n)"));
        }
        // The log interleaves the tenants; each tenant's values go up with its records.
        Map<Bookmark, TenantCommand> log = new HashMap<>();
        TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 8);
        open.add(pool);
        HeavyLane lane = new HeavyLane(pool, 100, null, TenantRecovery.NONE, new ApplierMetrics(registry), log::get, 3);
        open.add(lane);
        long offset = 1_000;
        int perTenant = 15; // past KEPT_PER_TENANT: the later ones are fetched again by position
        for (int n = 1; n <= perTenant; n++) {
            for (String t : tenants) {
                Bookmark at = new Bookmark(0, offset++);
                TenantCommand c = Commands.execute(t, "INSERT INTO t VALUES (" + n + ")");
                log.put(at, c);
                lane.enqueue(new ApplyProcessor.LogRecord(c, at));
            }
        }
        lane.start();
        List<Emission> out = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            lane.drainTo(out);
            return out.stream().filter(e -> e.value() instanceof CommandResult).count() == (long) perTenant * tenants.size();
        });
        List<List<Object>> expected = new ArrayList<>();
        for (int n = 1; n <= perTenant; n++) expected.add(List.of(n));
        for (String t : tenants) assertThat(query(t, "SELECT n FROM t ORDER BY rowid")).as(t).isEqualTo(expected);
        // A worker queues a record's outcome before it gives its tenant back: the last give-backs may trail the outcomes.
        await().atMost(Duration.ofSeconds(10)).until(() -> tenants.stream().noneMatch(lane::owns) && lane.size() == 0);
    }

    /**
     * A tenant with a backlog of writes behind a heavy record (or sent here for its share of the thread) stays
     * with the lane while its writes keep coming: the lane applies them in runs, many under one commit and one
     * sync, not one each (a sync took 40 to 110 ms on a slow disk, and a replica fell minutes behind). A record of
     * another kind ends a run; the order stays the log's.
     */
    @Test
    void aTenantsBacklogOfWritesIsAppliedInRunsUnderOneCommitEach() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"));
        Map<Bookmark, TenantCommand> log = new HashMap<>();
        TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 8);
        open.add(pool);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        HeavyLane lane = new HeavyLane(pool, 100, null, TenantRecovery.NONE, new ApplierMetrics(meters), log::get, 1);
        open.add(lane);
        long offset = 1_000;
        int writes = 40;
        for (int n = 1; n <= writes; n++) {
            if (n == 20) {
                Bookmark at = new Bookmark(0, offset++);
                log.put(at, Commands.issueKey("acme", "k1"));
                lane.enqueue(new ApplyProcessor.LogRecord(log.get(at), at));
            }
            Bookmark at = new Bookmark(0, offset++);
            log.put(at, Commands.execute("acme", "INSERT INTO t VALUES (" + n + ")"));
            lane.enqueue(new ApplyProcessor.LogRecord(log.get(at), at)); // past KEPT_PER_TENANT, only positions are kept
        }
        lane.start();
        List<Emission> out = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            lane.drainTo(out);
            return out.stream().filter(e -> e.value() instanceof CommandResult).count() == writes + 1;
        });
        List<List<Object>> expected = new ArrayList<>();
        for (int n = 1; n <= writes; n++) expected.add(List.of(n));
        assertThat(query("acme", "SELECT n FROM t ORDER BY rowid")).isEqualTo(expected);
        assertThat(out.stream().filter(e -> e.value() instanceof CommandResult).map(e -> ((CommandResult) e.value()).getOk()))
                .containsOnly(true);
        var groups = meters.get("cairn.applier.heavy.group.records").summary();
        assertThat(groups.max()).as("records under one commit").isGreaterThan(1);
        assertThat(groups.count()).as("commits for %s records", writes + 1).isLessThan(writes / 2);
        assertThat(lane.owns("acme")).isFalse();
    }

    /**
     * A record that arrives the moment the lane emptied its tenant's queue, before the worker gave the tenant's
     * turn back, gets one turn, not two: the tenant once stood twice in line, the worker took both turns into
     * one group, applied its head twice over and died finishing it (the bench saw a tenant's writes stop for
     * good, each answered 504 after 30 s). Here every record is queued just as the lane lets go of the tenant.
     */
    @Test
    void aRecordQueuedAsTheLaneLetsGoOfItsTenantGetsOneTurn() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"));
        Map<Bookmark, TenantCommand> log = new java.util.concurrent.ConcurrentHashMap<>();
        TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 8);
        open.add(pool);
        HeavyLane lane = new HeavyLane(pool, 100, null, TenantRecovery.NONE, new ApplierMetrics(registry), log::get, 1);
        open.add(lane);
        lane.start();
        int writes = 300;
        List<Emission> out = new ArrayList<>();
        for (int n = 1; n <= writes; n++) {
            Bookmark at = new Bookmark(0, 1_000 + n);
            log.put(at, Commands.execute("acme", "INSERT INTO t VALUES (" + n + ")"));
            lane.enqueue(new ApplyProcessor.LogRecord(log.get(at), at));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ZERO).until(() -> !lane.owns("acme"));
            lane.drainTo(out);
        }
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            lane.drainTo(out);
            return out.stream().filter(e -> e.value() instanceof CommandResult).count() == writes;
        });
        assertThat(query("acme", "SELECT count(*), sum(n) FROM t")).containsExactly(List.of(writes, writes * (writes + 1) / 2));
        assertThat(lane.size()).isZero();
    }

    @Test
    void aRecordTheMachineCannotApplyNowHoldsItsOwnTenantOnly() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"),
                Commands.create("bob"), Commands.execute("bob", "CREATE TABLE t (n)"));
        TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 8);
        open.add(pool);
        HeavyLane lane = new HeavyLane(pool, 100, null, TenantRecovery.NONE, new ApplierMetrics(registry), b -> null, 1);
        open.add(lane);
        TenantCommand acmes = Commands.execute("acme", "INSERT INTO t VALUES (1)");
        TenantCommand bobs = Commands.execute("bob", "INSERT INTO t VALUES (1)");
        List<Emission> out = new ArrayList<>();
        // Another process holds acme's file: its write fails for the machine (SQLITE_BUSY), again and again.
        try (Connection locker = DriverManager.getConnection("jdbc:sqlite:" + new TenantFiles(hot).database("acme"));
             Statement s = locker.createStatement()) {
            s.execute("BEGIN EXCLUSIVE");
            lane.enqueue(new ApplyProcessor.LogRecord(acmes, new Bookmark(0, 1_000)));
            lane.enqueue(new ApplyProcessor.LogRecord(bobs, new Bookmark(0, 1_001)));
            lane.start();
            await().atMost(Duration.ofSeconds(90)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
                lane.drainTo(out);
                return answered(out, bobs);
            });
            assertThat(answered(out, acmes)).as("acme's write waits for its file").isFalse();
            assertThat(lane.owns("acme")).isTrue();
            s.execute("ROLLBACK");
        }
        await().atMost(Duration.ofSeconds(90)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            lane.drainTo(out);
            return answered(out, acmes);
        });
        assertThat(query("acme", "SELECT n FROM t")).containsExactly(List.of(1));
        assertThat(lane.owns("acme")).isFalse();
    }

    @Test
    void aWriteShortOfTemporarySpaceWaitsForItAndIsNeverFailedForIt() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"),
                Commands.create("bob"), Commands.execute("bob", "CREATE TABLE t (n)"));
        HeavyLane lane = laneShortOfTemporarySpace();
        TenantCommand big = Commands.execute("acme", LONG_INSERT);
        TenantCommand acmeAfter = Commands.execute("acme", "INSERT INTO t VALUES (-1)");
        TenantCommand bobs = Commands.execute("bob", "INSERT INTO t VALUES (1)");
        lane.enqueue(new ApplyProcessor.LogRecord(big, new Bookmark(0, 1_000)));
        lane.enqueue(new ApplyProcessor.LogRecord(acmeAfter, new Bookmark(0, 1_001)));
        lane.enqueue(new ApplyProcessor.LogRecord(bobs, new Bookmark(0, 1_002)));
        lane.start();
        List<Emission> out = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            lane.drainTo(out);
            return answered(out, bobs) && registry.counter("cairn.applier.failures", "kind", "machine").count() >= 3;
        });
        assertThat(out).as("the big write is tried again, never answered with a verdict; its tenant's next write waits behind it")
                .noneMatch(e -> e.value() instanceof CommandResult r && (r.getCommandId().equals(big.getCommandId())
                        || r.getCommandId().equals(acmeAfter.getCommandId())));
        assertThat(lane.owns("acme")).isTrue();
        assertThat(query("acme", "SELECT count(*) FROM t")).containsExactly(List.of(0));
    }

    @Test
    void aWriteWaitingForTheMachineGivesWayToItsTenantsDelete() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"));
        HeavyLane lane = laneShortOfTemporarySpace();
        TenantCommand big = Commands.execute("acme", LONG_INSERT);
        TenantCommand delete = Commands.delete("acme");
        lane.enqueue(new ApplyProcessor.LogRecord(big, new Bookmark(0, 1_000)));
        lane.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> registry.counter("cairn.applier.failures", "kind", "machine").count() >= 1);
        lane.enqueue(new ApplyProcessor.LogRecord(delete, new Bookmark(0, 1_001)));
        assertGaveWayToDelete(lane, big, delete);
    }

    @Test
    void anImportWaitingForTheSnapshotStoreGivesWayToItsTenantsDelete() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)", "INSERT INTO t VALUES (1)"));
        TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 8);
        open.add(pool);
        // A process with the log but no snapshot store: an import's file cannot be fetched, which it waits out.
        ApplierConfig config = new ApplierConfig(hot, "test", ApplierConfig.Role.PRIMARY, 1, 16, 1000, 1000, SqliteLimits.WRITE_DEFAULTS);
        PastContent past = new PastContent(Map.of(), config, null, registry);
        HeavyLane lane = new HeavyLane(pool, 100, null, new TenantRecovery(pool, null, ColdTenants.NONE, past, registry),
                new ApplierMetrics(registry), b -> null, 1);
        open.add(lane);
        TenantCommand restore = Commands.command("acme", io.cairn.topics.avro.RestoreFrom.newBuilder()
                .setImportKey("imports/acme/1").setImportSha256("00").setImportSizeBytes(4096L).build());
        TenantCommand delete = Commands.delete("acme");
        lane.enqueue(new ApplyProcessor.LogRecord(restore, new Bookmark(0, 1_000)));
        lane.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> registry.counter("cairn.applier.failures", "kind", "machine").count() >= 1);
        assertThat(query("acme", "SELECT n FROM t")).as("nothing replaced while it waits").containsExactly(List.of(1));
        lane.enqueue(new ApplyProcessor.LogRecord(delete, new Bookmark(0, 1_001)));
        assertGaveWayToDelete(lane, restore, delete);
    }

    @Test
    void aReplicaPassesOverAForkWhoseTenantIsDeletedBehindIt() throws Exception {
        startApplier(16);
        applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"));
        TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 8);
        open.add(pool);
        ApplierConfig config = new ApplierConfig(hot, "test", ApplierConfig.Role.REPLICA, 1, 16, 1000, 1000, SqliteLimits.WRITE_DEFAULTS);
        var store = new io.cairn.connectors.snapshot.LocalSnapshotStore(hot.resolveSibling(hot.getFileName() + "-store"), java.time.Clock.systemUTC());
        PastContent past = new PastContent(Map.of(), config, store, registry); // no log here: building the fork would fail
        HeavyLane lane = new HeavyLane(pool, 100, null, new TenantRecovery(pool, null, ColdTenants.NONE, past, registry),
                new ApplierMetrics(registry), b -> null, 1);
        open.add(lane);
        TenantCommand fork = Commands.command("acme", io.cairn.topics.avro.RestoreFrom.newBuilder().setSourceTenant("src").setAtOffset(5L).build());
        TenantCommand delete = Commands.delete("acme");
        lane.enqueue(new ApplyProcessor.LogRecord(fork, new Bookmark(0, 1_000)));
        lane.enqueue(new ApplyProcessor.LogRecord(delete, new Bookmark(0, 1_001)));
        lane.start();
        assertGaveWayToDelete(lane, fork, delete);
        assertThat(registry.counter("cairn.applier.failures", "kind", "machine").count()).as("never tried").isZero();
    }

    /** {@code waiting}, a record of acme with {@code delete} queued behind it, is answered tenant_not_found, the delete applies, and the lane lets go of the tenant. */
    private void assertGaveWayToDelete(HeavyLane lane, TenantCommand waiting, TenantCommand delete) {
        List<Emission> out = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            lane.drainTo(out);
            return answered(out, delete);
        });
        assertThat(out).filteredOn(e -> e.value() instanceof CommandResult r && r.getCommandId().equals(waiting.getCommandId()))
                .singleElement().satisfies(e -> assertThat(((CommandResult) e.value()).getError().getCode()).isEqualTo("tenant_not_found"));
        assertThat(new TenantFiles(hot).exists("acme")).as("deleted").isFalse();
        assertThat(lane.owns("acme")).isFalse();
    }

    /** A write long enough (5,000,000 rows) for the statement's limits to be checked while it runs. */
    private static final String LONG_INSERT = // past the 250 ms a statement runs before low temporary space may stop it, on any machine
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) INSERT INTO t SELECT x FROM c";

    /**
     * A one-thread lane whose connections keep a floor no disk has: every write long enough to be checked
     * (10,000 SQLite steps) is stopped for temporary space. Not started.
     */
    private HeavyLane laneShortOfTemporarySpace() {
        TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS.withMinFreeTempBytes(Long.MAX_VALUE), 8);
        open.add(pool);
        HeavyLane lane = new HeavyLane(pool, 100, null, TenantRecovery.NONE, new ApplierMetrics(registry), b -> null, 1);
        open.add(lane);
        return lane;
    }

    private static boolean answered(List<Emission> out, TenantCommand cmd) {
        return out.stream().anyMatch(e -> e.value() instanceof CommandResult r && r.getCommandId().equals(cmd.getCommandId()) && r.getOk());
    }
}
