package io.cairn.infra.fault;

import java.nio.file.Path;
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

    @TempDir Path data;

    @Test
    void everyAcknowledgedWriteIsAppliedExactlyOnceWhenTheBrokerRestartsMidStream() throws Exception {
        FaultRun.run("BrokerRestartIT", data, Long.getLong("cairn.fault.seed", 20_260_301L),
                Integer.getInteger("cairn.fault.brokerRestarts", CI_RESTARTS), 30, (n, stack, applier, random) -> {
                    FaultRun.pace(random, 800);
                    stack.restartBroker();
                });
    }
}
