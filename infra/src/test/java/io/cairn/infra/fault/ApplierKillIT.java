package io.cairn.infra.fault;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once apply, proven by killing it: the applier runs in its own JVM and is SIGKILLed at random
 * points while clients write, then started again. {@code -Dcairn.fault.kills=N} (default {@value #CI_KILLS})
 * and {@code -Dcairn.fault.seed=S} replay a run; see docs/guarantees.md.
 */
@Tag("fault")
class ApplierKillIT {
    static final int CI_KILLS = 20;

    @TempDir Path data;

    @Test
    void everyAcknowledgedWriteIsAppliedExactlyOnceWhenTheApplierIsSigkilledMidStream() throws Exception {
        FaultRun.run("ApplierKillIT", data, Long.getLong("cairn.fault.seed", 20_260_301L),
                Integer.getInteger("cairn.fault.kills", CI_KILLS), 10, (n, stack, applier, random) -> {
                    FaultRun.pace(random, 600);
                    applier.kill();
                    if (random.nextInt(4) == 0) FaultRun.pace(random, 2_000); // sometimes stay down a while
                    applier.start();
                });
    }
}
