package io.cairn.infra.fault;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once apply across broker restarts: the Kafka broker is stopped and started again on the same
 * log directory while clients write and the applier (its own JVM) applies. {@code
 * -Dcairn.fault.brokerRestarts=N} (default {@value #CI_RESTARTS}) and {@code -Dcairn.fault.seed=S}.
 */
@Tag("fault")
class BrokerRestartIT {
    static final int CI_RESTARTS = 3;
    private static final int CLIENTS = 8;
    private static final int TENANTS = 4;

    @TempDir Path data;

    @Test
    void everyAcknowledgedWriteIsAppliedExactlyOnceWhenTheBrokerRestartsMidStream() throws Exception {
        long seed = Long.getLong("cairn.fault.seed", 20_260_301L);
        int restarts = Integer.getInteger("cairn.fault.brokerRestarts", CI_RESTARTS);
        System.out.printf("BrokerRestartIT: seed %d, %d broker restarts%n", seed, restarts);
        Random random = new Random(seed);
        long started = System.nanoTime();
        try (FaultStack stack = FaultStack.start(data);
             ApplierProcess applier = ApplierProcess.configure(data, stack.bootstrapServers(), FaultStack.PARTITIONS)) {
            applier.start();
            stack.awaitApplierInGroup();
            Map<String, String> keys = stack.createLedgerTenants(TENANTS);
            LedgerWorkload workload = new LedgerWorkload(stack.baseUrl(), keys).start(CLIENTS);
            for (int r = 1; r <= restarts; r++) {
                workload.awaitProgress(30);
                Thread.sleep(random.nextInt(800));
                stack.restartBroker();
                System.out.printf("BrokerRestartIT: broker restart %d/%d after %d acknowledged writes%n", r, restarts, workload.ackedCount());
            }
            workload.awaitProgress(50);
            workload.stopAndDrain();
            LedgerCheck.assertEveryWriteAppliedExactlyOnce(stack.hotDir(), workload, List.copyOf(keys.keySet()));
            System.out.printf("BrokerRestartIT: survived %d broker restarts (seed %d): %d writes acknowledged, each applied once;"
                    + " %d client retries; %.1f s%n", restarts, seed, workload.ackedCount(), workload.retries(), (System.nanoTime() - started) / 1e9);
        }
    }
}
