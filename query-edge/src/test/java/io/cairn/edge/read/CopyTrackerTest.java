package io.cairn.edge.read;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a copy stands, as an edge sees it: a read waiting for a copy wakes when its applier publishes,
 * never for a pending tenant; lag in records and time follows the log's ends; before the ends are known
 * the lag is unknown, never zero.
 */
class CopyTrackerTest {
    @TempDir Path dir;
    private final Map<Integer, Long> logEnds = new ConcurrentHashMap<>();
    private CopyTracker tracker;
    private CopyPositions writer;
    private ReadPool pool;
    private final List<AutoCloseable> others = new java.util.ArrayList<>();

    private ReadCopy copy() throws Exception {
        TenantFiles files = new TenantFiles(dir);
        writer = CopyPositions.open(files);
        pool = new ReadPool(files, SqliteLimits.READ_DEFAULTS, 4);
        return new ReadCopy("replica-a", false, pool, new QueryRunner(pool, (t, o, d) -> false, 100, 1 << 20), CopyPositions.reader(files));
    }

    /** Another copy, in a directory of its own, published through {@code positions}. */
    private ReadCopy copy(String name, CopyPositions[] positions) throws Exception {
        TenantFiles files = new TenantFiles(dir.resolve(name));
        positions[0] = CopyPositions.open(files);
        ReadPool own = new ReadPool(files, SqliteLimits.READ_DEFAULTS, 4);
        others.add(positions[0]);
        others.add(own);
        return new ReadCopy(name, false, own, new QueryRunner(own, (t, o, d) -> false, 100, 1 << 20), CopyPositions.reader(files));
    }

    @AfterEach
    void close() throws Exception {
        if (tracker != null) tracker.close();
        if (writer != null) writer.close();
        if (pool != null) pool.close();
        for (AutoCloseable c : others) c.close();
    }

    /**
     * A strong read waits for whichever copy holds the tenant first, in the edge's order when several do: a copy
     * ahead on the partition but behind on the tenant (its heavy lane, a thaw) is not waited for while another
     * has it (it was, for the whole timeout, and the read failed while the other copy held it).
     */
    @Test
    void aReadWaitingForAnyCopyIsServedByTheFirstThatHoldsTheTenant() throws Exception {
        CopyPositions[] a = new CopyPositions[1];
        CopyPositions[] b = new CopyPositions[1];
        ReadCopy ahead = copy("ahead", a);
        ReadCopy other = copy("other", b);
        tracker = new CopyTracker(List.of(ahead, other), () -> Map.of(0, 10L), Duration.ofMillis(20), new SimpleMeterRegistry()).start();
        a[0].publish(0, 12, Set.of("acme"), Set.of(), true, System.currentTimeMillis()); // past the end, acme still waiting
        b[0].publish(0, 8, Set.of(), Set.of(), true, System.currentTimeMillis());
        assertThat(tracker.awaitAnyHolds(List.of(ahead, other), 0, "acme", 10, Duration.ofMillis(50))).as("neither holds acme to 10").isNull();

        CompletableFuture<ReadCopy> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return tracker.awaitAnyHolds(List.of(ahead, other), 0, "acme", 10, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        b[0].publish(0, 10, Set.of(), Set.of(), false, System.currentTimeMillis());
        assertThat(waiting.get(30, java.util.concurrent.TimeUnit.SECONDS)).isSameAs(other);

        a[0].publish(0, 12, Set.of(), Set.of("acme"), false, System.currentTimeMillis());
        assertThat(tracker.awaitAnyHolds(List.of(ahead, other), 0, "acme", 10, Duration.ofSeconds(30))).as("both hold it: the first in order")
                .isSameAs(ahead);
    }

    @Test
    void aWaitingReadWakesWhenTheCopyPublishesAndNotForAPendingTenant() throws Exception {
        ReadCopy copy = copy();
        logEnds.put(0, 5L);
        tracker = new CopyTracker(List.of(copy), () -> Map.copyOf(logEnds), Duration.ofMillis(20), new SimpleMeterRegistry()).start();
        assertThat(tracker.awaitHolds(copy, 0, "acme", 5, Duration.ofMillis(50))).as("nothing published yet").isFalse();

        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return tracker.awaitHolds(copy, 0, "acme", 5, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.publish(0, 5, Set.of("acme"), Set.of(), true, System.currentTimeMillis());
        assertThat(tracker.awaitHolds(copy, 0, "other", 5, Duration.ofSeconds(30))).isTrue();
        assertThat(waiting).as("acme is pending").isNotDone();
        writer.publish(0, 5, Set.of(), Set.of("acme"), false, System.currentTimeMillis());
        assertThat(waiting.get()).isTrue();
    }

    @Test
    void lagFollowsTheLogsEndsAndIsUnknownBeforeThem() throws Exception {
        ReadCopy copy = copy();
        tracker = new CopyTracker(List.of(copy), () -> {
            if (logEnds.isEmpty()) throw new IllegalStateException("Kafka unreachable");
            return Map.copyOf(logEnds);
        }, Duration.ofMillis(20), new SimpleMeterRegistry()).start();
        writer.publish(0, 10, Set.of(), Set.of(), true, System.currentTimeMillis());
        assertThat(tracker.lagMillis("replica-a", System.currentTimeMillis())).isEqualTo(Long.MAX_VALUE);

        logEnds.put(0, 10L);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> tracker.lagMillis("replica-a", System.currentTimeMillis()) == 0);
        long caughtUpAt = System.currentTimeMillis();
        logEnds.put(0, 25L); // the log moves on, the copy does not
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> tracker.lagRecords("replica-a") == 15);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> tracker.lagMillis("replica-a", System.currentTimeMillis()) >= 100);
        assertThat(tracker.lagMillis("replica-a", 0, System.currentTimeMillis())).as("at most since it was last seen caught up")
                .isLessThanOrEqualTo(System.currentTimeMillis() - caughtUpAt + 100);
        assertThat(tracker.details()).containsKey("replica-a");

        logEnds.put(1, 0L); // an empty partition the copy never published: not behind
        writer.publish(0, 25, Set.of(), Set.of(), false, System.currentTimeMillis());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> tracker.lagMillis("replica-a", System.currentTimeMillis()) == 0);
        assertThat(tracker.lagRecords("replica-a")).isZero();
    }

    /**
     * A copy holding the newest end the tracker saw holds only what the log held when that look began: a write
     * acknowledged since is not in it. A {@code max_lag_ms: 0} read was served without it (the last look up to 100 ms
     * old); the bound now grows with the look's age, and a read can ask for a look begun after it arrived.
     */
    @Test
    void theBoundOnLagCountsTheAgeOfTheLastLookAndAReadCanAskForANewOne() throws Exception {
        ReadCopy copy = copy();
        logEnds.put(0, 10L);
        tracker = new CopyTracker(List.of(copy), () -> Map.copyOf(logEnds), Duration.ofHours(1), new SimpleMeterRegistry()).start();
        writer.publish(0, 10, Set.of(), Set.of(), false, System.currentTimeMillis());
        // The first look may have begun before the publish (in two fresh-clone runs it did: the next is in an hour): ask for
        // looks after it until one has read the copy's position.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> tracker.awaitLookSince(System.currentTimeMillis(), Duration.ofSeconds(1))
                && tracker.lagMillis("replica-a", System.currentTimeMillis()) == 0);
        logEnds.put(0, 11L); // a write acknowledged after the look; the next would be in an hour
        long arrived = System.currentTimeMillis();
        assertThat(tracker.lagMillis("replica-a", 0, arrived + 50)).as("by the old look alone").isZero();
        assertThat(tracker.lagBoundMillis("replica-a", 0, arrived + 50)).as("at most since that look began").isGreaterThanOrEqualTo(50);

        assertThat(tracker.awaitLookSince(arrived, Duration.ofSeconds(10))).isTrue();
        assertThat(tracker.lagRecords("replica-a")).as("the new look saw the write").isEqualTo(1);
        writer.publish(0, 11, Set.of(), Set.of(), false, System.currentTimeMillis());
        assertThat(tracker.awaitHolds(copy, 0, "acme", 11, Duration.ofSeconds(10))).isTrue();
        assertThat(tracker.lagBoundMillis("replica-a", 0, arrived)).as("holds all the log held when the read arrived").isZero();
    }
}
