package io.cairn.edge.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.cairn.edge.TestStates;
import io.cairn.edge.read.SqliteFixture;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.TenantState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies of tenants' past points, forgotten when their tenant is deleted: kept ones at once, one being built as
 * its build completes. The builder here writes a real tenant file at the point (the edge's real builder replays
 * the log into one) and can be held mid-build, so a delete lands while a copy is built.
 */
class PastCopiesTest {
    private static final Bookmark POINT = new Bookmark(0, 7);

    @TempDir Path dir;
    private final Map<String, TenantState> states = new ConcurrentHashMap<>();
    private final CountDownLatch building = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hold;
    private final java.util.concurrent.atomic.AtomicInteger builds = new java.util.concurrent.atomic.AtomicInteger();
    private PastCopies copies;

    private PastCopies copies() {
        PastBuilder builder = (tenant, partition, created, last, target) -> {
            builds.incrementAndGet();
            if (hold) {
                building.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            try (TenantConnection c = SqliteFixture.create(new TenantFiles(target), tenant, partition, last)) {
                SqliteFixture.apply(c, partition, last, "CREATE TABLE t (v)", "INSERT INTO t VALUES (1)");
            }
            return true;
        };
        copies = new PastCopies(builder, dir.resolve("past"), SqliteLimits.READ_DEFAULTS, 1_000, 1 << 20, 2, 16, 1L << 30,
                t -> Optional.ofNullable(states.get(t)), 0);
        return copies;
    }

    @AfterEach
    void close() {
        if (copies != null) copies.close();
    }

    @Test
    void aKeptCopyGoesWhenItsTenantIsForgotten() throws Exception {
        states.put("acme", TestStates.state("acme", 0, 9, List.of()));
        PastCopies past = copies();
        Path file = past.file("acme", POINT);
        assertThat(file).exists();
        assertThat(past.kept()[0]).isEqualTo(1);

        past.forget("acme");

        assertThat(file).doesNotExist();
        assertThat(past.kept()).containsExactly(0, 0);
    }

    /**
     * The delete lands while the copy is built: the build completes, keeps its copy, and the copy goes then. (Once
     * this forgot the whole tenant again from the build's completion, which found the completed build still listed
     * and forgot again, without end, on the thread that feeds every tenant's state to the edge.)
     */
    @Test
    void aCopyBuiltWhileItsTenantIsForgottenGoesWhenTheBuildCompletes() throws Exception {
        states.put("acme", TestStates.state("acme", 0, 9, List.of()));
        PastCopies past = copies();
        hold = true;
        // The read completes the build on its own thread, and runs what waits for the build there. A deep stack: a
        // loop that ends only when the stack is used up then runs long enough to fail the timeout below.
        CompletableFuture<Path> read = new CompletableFuture<>();
        Thread reader = new Thread(null, () -> {
            try {
                read.complete(past.file("acme", POINT));
            } catch (Throwable e) {
                read.completeExceptionally(e);
            }
        }, "reader", 1L << 30);
        reader.setDaemon(true);
        reader.start();
        assertThat(building.await(30, TimeUnit.SECONDS)).as("the build started").isTrue();

        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> past.forget("acme"));
        release.countDown();
        Path file = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> read.get());

        assertThat(file).as("dropped as the build completed").doesNotExist();
        assertThat(past.kept()).containsExactly(0, 0);
        // Another tenant's copies are untouched by it.
        states.put("other", TestStates.state("other", 0, 9, List.of()));
        hold = false;
        assertThat(past.file("other", POINT)).exists();
        past.forget("acme");
        assertThat(past.kept()[0]).isEqualTo(1);
        assertThat(Files.list(dir.resolve("past")).count()).isEqualTo(1);
    }

    /**
     * A build that takes longer than a request may wait (minutes, replaying another tenant's costly records in an
     * outside probe; the request had no answer) is answered 503 while it goes on, and its copy serves the retry.
     */
    @Test
    void aRequestWaitsForABuildAtMostItsWaitAndTheBuildGoesOnForTheRetry() throws Exception {
        states.put("acme", TestStates.state("acme", 0, 9, List.of()));
        PastCopies past = copies().withBuildWait(Duration.ofMillis(300));
        hold = true;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> past.file("acme", POINT))
                .isInstanceOfSatisfying(io.cairn.edge.error.ApiError.class, e -> assertThat(e.status()).isEqualTo(503))
                .hasMessageContaining("still being built").hasMessageContaining("retry");
        assertThat(building.getCount()).as("the build had started").isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> past.file("acme", POINT)).as("a second request waits on the same build")
                .hasMessageContaining("still being built");
        release.countDown();
        hold = false;
        Path file = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> past.file("acme", POINT), f -> true);
        assertThat(file).exists();
        assertThat(builds.get()).as("built once, for both").isEqualTo(1);
    }

    /** Points after the tenant's last record share the copy built for that record, and the build is asked for it alone. */
    @Test
    void pointsAfterTheTenantsLastRecordShareOneCopyBuiltForThatRecord() throws Exception {
        states.put("acme", TestStates.state("acme", 0, 9, List.of()));
        java.util.List<Long> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        PastCopies past = copies().withLastRecords((tenant, point) -> {
            asked.add(point.offset());
            return point.offset() >= 5 ? 5 : point.offset();
        });

        Path first = past.file("acme", new Bookmark(0, 7));
        assertThat(past.file("acme", new Bookmark(0, 90_000))).isEqualTo(first);
        past.file("acme", new Bookmark(0, 3));

        assertThat(asked).containsExactly(7L, 90_000L, 3L);
        assertThat(builds.get()).as("one for 5 (asked as 7 and 90,000), one for 3").isEqualTo(2);
        assertThat(dir.resolve("past").relativize(first).getName(0).toString()).as("kept under the record").isEqualTo("0-5-acme");
    }
}
