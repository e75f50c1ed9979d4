package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.tenantdb.cpu.LowPriority;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The heavy lane's workers run at a lower scheduling priority ({@link LowPriority}). */
class HeavyLanePriorityTest {
    @org.junit.jupiter.api.io.TempDir Path hot;

    @Test
    void theHeavyLanesWorkersRunAtTheLowerPriority() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        int base = LowPriority.currentNice();
        TenantDatabasePool pool = new TenantDatabasePool(new io.cairn.tenantdb.sqlite.TenantFiles(hot), io.cairn.tenantdb.sqlite.SqliteLimits.WRITE_DEFAULTS, 4);
        HeavyLane lane = new HeavyLane(pool, 100, null, TenantRecovery.NONE, new ApplierMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
                b -> null, 2);
        try {
            lane.start();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> LowPriority.niceOfThreadsNamed("cairn-heavy-lane-").size() == 3 // and the spare
                            && LowPriority.niceOfThreadsNamed("cairn-heavy-lane-").stream().allMatch(n -> n == LowPriority.lowered(base)));
        } finally {
            lane.close();
            pool.close();
        }
    }
}
