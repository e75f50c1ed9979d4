package io.cairn.infra.fault;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once apply, proven by killing it: the applier runs in its own JVM and is SIGKILLed at random
 * points while clients write, then started again. {@code -Dcairn.fault.kills=N} (default {@value #CI_KILLS},
 * kept small for CI) and {@code -Dcairn.fault.seed=S} replay a run; see docs/guarantees.md.
 */
@Tag("fault")
class ApplierKillIT {
    static final int CI_KILLS = 20;
    private static final int CLIENTS = 8;
    private static final int TENANTS = 4;

    @TempDir Path data;

    @Test
    void everyAcknowledgedWriteIsAppliedExactlyOnceWhenTheApplierIsSigkilledMidStream() throws Exception {
        long seed = Long.getLong("cairn.fault.seed", 20_260_301L);
        int kills = Integer.getInteger("cairn.fault.kills", CI_KILLS);
        System.out.printf("ApplierKillIT: seed %d, %d kills (-Dcairn.fault.seed / -Dcairn.fault.kills)%n", seed, kills);
        Random random = new Random(seed);
        long started = System.nanoTime();
        try (FaultStack stack = FaultStack.start(data);
             ApplierProcess applier = ApplierProcess.configure(data, stack.bootstrapServers(), FaultStack.PARTITIONS)) {
            applier.start();
            stack.awaitApplierInGroup();
            Map<String, String> keys = stack.createLedgerTenants(TENANTS);
            LedgerWorkload workload = new LedgerWorkload(stack.baseUrl(), keys).start(CLIENTS);
            for (int k = 1; k <= kills; k++) {
                // Kill only once the restarted applier applies again, at a random moment after that.
                workload.awaitProgress(10);
                Thread.sleep(random.nextInt(600));
                applier.kill();
                System.out.printf("ApplierKillIT: SIGKILL %d/%d after %d acknowledged writes%n", k, kills, workload.ackedCount());
                if (random.nextInt(4) == 0) Thread.sleep(random.nextInt(2_000)); // sometimes stay down a while
                applier.start();
            }
            workload.awaitProgress(50);
            workload.stopAndDrain();
            LedgerCheck.assertEveryWriteAppliedExactlyOnce(stack.hotDir(), workload, List.copyOf(keys.keySet()));
            System.out.printf("ApplierKillIT: survived %d kills (seed %d): %d writes acknowledged, each applied once; %d client retries; %.1f s%n",
                    kills, seed, workload.ackedCount(), workload.retries(), (System.nanoTime() - started) / 1e9);
        }
    }
}
