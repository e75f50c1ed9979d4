package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The position an applier publishes for its copy (what strong reads wait for) never claims a record its
 * files do not hold: a tenant whose record went to the heavy lane stays excluded until the lane committed it,
 * while the partition's other tenants are reported at once.
 */
class PositionPublisherTest extends ApplierHarness {
    /** About 20M VM steps: past the stream thread's quick budget, inside the full one, so it runs in the heavy lane. */
    private static final String HEAVY = "INSERT INTO t SELECT count(*) FROM"
            + " (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000000) SELECT i FROM c)";

    @Test
    void appliedRecordsArePublishedAndAHeavyTenantIsExcludedUntilTheLaneCommitsIt() throws Exception {
        startApplier(16);
        assertThat(apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"),
                Commands.create("other"), Commands.execute("other", "CREATE TABLE t (n)"))).allMatch(CommandResult::getOk);
        try (CopyPositions.Reader reader = CopyPositions.reader(new TenantFiles(hot))) {
            // Published after the commit; a publish that failed (the positions file busy on a loaded machine) is made again.
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> {
                driver.advanceWallClockTime(Duration.ofMillis(5));
                return reader.holds(0, "acme", piped.size());
            });
            assertThat(reader.holds(0, "acme", piped.size() + 1)).as("nothing past the log's end").isFalse();

            TenantCommand heavy = Commands.execute("acme", HEAVY);
            TenantCommand light = Commands.execute("other", "INSERT INTO t VALUES (1)");
            pipe(heavy, light);
            long end = piped.size();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> {
                driver.advanceWallClockTime(Duration.ofMillis(5));
                if (reader.holds(0, "acme", end)) {
                    // Whenever the heavy tenant is reported, its file has the heavy write.
                    assertThat(query("acme", "SELECT count(*) FROM t")).isEqualTo(List.of(List.of(1)));
                    return true;
                }
                return false;
            });
            assertThat(registry.get("cairn.applier.records").tag("outcome", "deferred").counter().count())
                    .as("the heavy write went through the heavy lane").isEqualTo(1);
            assertThat(reader.holds(0, "other", end)).isTrue();
            assertThat(query("other", "SELECT count(*) FROM t")).isEqualTo(List.of(List.of(1)));
        }
    }

    /**
     * A process died with a tenant listed as pending; its record was applied since (the lane's deferred row said so).
     * The new owner's partition gets no record: it still replaces the list at its start, so the copy is not passed over for good.
     */
    @Test
    void aRestartedTaskReplacesThePendingTenantsAPreviousOwnerLeftEvenWithoutANewRecord() throws Exception {
        startApplier(16);
        assertThat(apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n)"))).allMatch(CommandResult::getOk);
        long end = piped.size();
        for (AutoCloseable c : open) c.close();
        open.clear();
        try (CopyPositions left = CopyPositions.open(new TenantFiles(hot))) {
            left.publish(0, end, List.of("acme"), List.of(), false, System.currentTimeMillis());
        }
        try (CopyPositions.Reader reader = CopyPositions.reader(new TenantFiles(hot))) {
            assertThat(reader.holds(0, "acme", end)).as("what the dead process left").isFalse();
            startApplier(16);
            driver.advanceWallClockTime(Duration.ofMillis(5));
            assertThat(reader.holds(0, "acme", end)).as("listed by nobody now").isTrue();
            assertThat(reader.nextOffsets().get(0)).as("the offset stays").isEqualTo(end);
        }
    }

    /**
     * The heavy lane recovered a deferred row at the start (a record held for a thaw, applied before a kill -9, its row
     * not cleared yet): its tenant is listed by resume, and must leave the list once the lane is done with it, though the
     * partition gets no record (the task has committed nothing, so it publishes no offset of its own).
     */
    @Test
    void aTenantRecoveredAtTheStartLeavesTheListOnceDoneEvenWithoutANewRecord() throws Exception {
        try (CopyPositions writer = CopyPositions.open(new TenantFiles(hot));
                CopyPositions.Reader reader = CopyPositions.reader(new TenantFiles(hot))) {
            writer.publish(0, 10, List.of("acme"), List.of(), false, System.currentTimeMillis()); // what the dead process left
            java.util.Set<String> waiting = new java.util.HashSet<>(java.util.Set.of("acme")); // the lane's recovered record
            PositionPublisher publisher = new PositionPublisher(() -> writer, 0, new PositionPublisher.Pending() {
                @Override
                public java.util.Collection<String> joined() {
                    return List.of();
                }

                @Override
                public java.util.Set<String> all() {
                    return java.util.Set.copyOf(waiting);
                }
            });
            publisher.resume();
            assertThat(reader.holds(0, "acme", 10)).as("still in the lane").isFalse();
            waiting.clear(); // the lane skipped it: the file had it
            org.awaitility.Awaitility.await("done with: off the list at a sweep").atMost(java.time.Duration.ofSeconds(10)).until(() -> {
                publisher.publish(-1); // the punctuation of a task that committed nothing yet
                return reader.holds(0, "acme", 10);
            });
            assertThat(reader.waitingTenants()).isZero();
            assertThat(reader.nextOffsets().get(0)).as("the offset stays").isEqualTo(10);
        }
    }
    /**
     * A write of the positions that fails (here: its file's connection closed, as a full volume fails it) is not tried
     * at every punctuation, one a millisecond, each logging a warning: the tries back off, and the first after the
     * file is writable again publishes.
     */
    @Test
    void aFailingPublishIsTriedAgainAfterAPauseThatGrowsNotAtEveryPunctuation() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        CopyPositions broken = CopyPositions.open(files);
        broken.close();
        java.util.concurrent.atomic.AtomicReference<CopyPositions> current = new java.util.concurrent.atomic.AtomicReference<>(broken);
        java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_000);
        PositionPublisher.Pending none = new PositionPublisher.Pending() {
            @Override
            public java.util.Collection<String> joined() {
                return List.of();
            }

            @Override
            public java.util.Set<String> all() {
                return java.util.Set.of();
            }
        };
        PositionPublisher publisher = new PositionPublisher(() -> {
            tries.incrementAndGet();
            return current.get();
        }, 0, none, clock::get);

        for (int ms = 0; ms < 2_000; ms++) { // two seconds of punctuations
            publisher.publish(7);
            clock.incrementAndGet();
        }
        // 10, 20, 40, ... 640 ms apart, then 1 s: 9 tries in 2 s, not 2,000.
        assertThat(tries.get()).isBetween(2, 12);
        assertThat(publisher.failures()).isEqualTo(tries.get());

        try (CopyPositions writable = CopyPositions.open(files); CopyPositions.Reader reader = CopyPositions.reader(files)) {
            current.set(writable);
            clock.addAndGet(PositionPublisher.MAX_RETRY_MS);
            publisher.publish(7);
            assertThat(publisher.failures()).isZero();
            assertThat(reader.nextOffsets().get(0)).isEqualTo(7);
        }
    }
}
