package io.cairn.edge.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.read.CopyTracker;
import io.cairn.edge.read.QueryRunner;
import io.cairn.edge.read.ReadCopy;
import io.cairn.edge.read.ReadPool;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wave's slices wait for the applier as its published positions say (a real positions file, read by the edge's
 * copy tracker): a slice goes out once the slice two before it was taken on every partition it reached; an applier
 * that takes nothing for the stall time turns pacing off for the rest of the wave.
 */
class RunPacerTest {
    @TempDir Path dir;
    private CopyPositions applier;
    private ReadPool pool;
    private CopyTracker tracker;

    @BeforeEach
    void start() throws Exception {
        TenantFiles files = new TenantFiles(dir);
        applier = CopyPositions.open(files);
        pool = new ReadPool(files, SqliteLimits.READ_DEFAULTS, 4);
        ReadCopy primary = new ReadCopy(ReadCopy.PRIMARY, true, pool, new QueryRunner(pool, (t, o, d) -> false, 100, 1 << 20),
                CopyPositions.reader(files));
        tracker = new CopyTracker(List.of(primary), () -> Map.of(0, 100L, 1, 100L), Duration.ofMillis(20), new SimpleMeterRegistry()).start();
    }

    @AfterEach
    void close() throws Exception {
        tracker.close();
        pool.close();
        applier.close();
    }

    @Test
    void aSliceGoesOutOnceTheApplierTookTheSliceTwoBeforeItOnEveryPartition() throws Exception {
        applier.publish(0, 0, Set.of(), Set.of(), true, System.currentTimeMillis());
        applier.publish(1, 0, Set.of(), Set.of(), true, System.currentTimeMillis());
        RunPacer pacer = new RunPacer("r1", tracker, Duration.ofSeconds(30));
        pacer.beforeSlice();
        pacer.sent(Map.of(0, 10L, 1, 5L));
        pacer.beforeSlice(); // one slice ahead: the next goes out at once
        pacer.sent(Map.of(0, 20L));

        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
            try {
                pacer.beforeSlice();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        applier.publish(0, 10, Set.of(), Set.of(), false, System.currentTimeMillis()); // the first slice, but on partition 0 only
        assertThatThrownBy(() -> third.get(300, TimeUnit.MILLISECONDS)).as("partition 1 still holds the first slice").isInstanceOf(TimeoutException.class);
        applier.publish(1, 5, Set.of(), Set.of(), false, System.currentTimeMillis());
        third.get(30, TimeUnit.SECONDS);
        assertThat(pacer.paced()).isTrue();
    }

    @Test
    void anApplierThatTakesNothingForTheStallTimeLeavesTheRestOfTheWaveUnpaced() throws Exception {
        applier.publish(0, 3, Set.of(), Set.of(), true, System.currentTimeMillis());
        RunPacer pacer = new RunPacer("r2", tracker, Duration.ofMillis(200));
        pacer.sent(Map.of(0, 10L));
        pacer.sent(Map.of(0, 20L));
        pacer.beforeSlice(); // waits out the stall: the applier stays at 3
        assertThat(pacer.paced()).isFalse();
        pacer.sent(Map.of(0, 30L));
        pacer.beforeSlice(); // nothing is waited for any more (the test would wait 200 ms per call otherwise, and fail below)
        pacer.sent(Map.of(0, 40L));
        long started = System.nanoTime();
        pacer.beforeSlice();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(200));
    }
}
