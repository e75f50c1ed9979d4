package io.cairn.infra.fault;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The shape every fault test shares: a broker and edge in this JVM, the applier in its own, ledger
 * clients writing, {@code faults} seeded injections each once the system has made progress again,
 * then drain and check that every acknowledged write was applied exactly once.
 */
final class FaultRun {
    private static final int CLIENTS = 8;
    private static final int TENANTS = 4;

    /** One injection: {@code n} counts from 1; the random is the run's seeded one. */
    interface Fault {
        void inject(int n, FaultStack stack, ApplierProcess applier, Random random) throws Exception;
    }

    private FaultRun() {}

    /**
     * Lets the workload run for a random while before the next step of a fault: where in the stream a
     * fault lands is the variable under test, and the seeded random makes it replayable. Pacing, not
     * synchronisation: what the test waits for (progress, the applier back in its group) is awaited
     * on the condition itself.
     */
    static void pace(Random random, int maxMillis) throws InterruptedException {
        Thread.sleep(random.nextInt(maxMillis));
    }

    static void run(String name, Path data, long seed, int faults, int progressBetween, Fault fault) throws Exception {
        System.out.printf("%s: seed %d, %d faults (-Dcairn.fault.seed to replay)%n", name, seed, faults);
        Random random = new Random(seed);
        long started = System.nanoTime();
        try (FaultStack stack = FaultStack.start(data);
             ApplierProcess applier = ApplierProcess.configure(data, stack.bootstrapServers(), FaultStack.PARTITIONS)) {
            applier.start();
            stack.awaitApplierInGroup();
            Map<String, String> keys = stack.createLedgerTenants(TENANTS);
            LedgerWorkload workload = new LedgerWorkload(stack.baseUrl(), keys).start(CLIENTS);
            for (int n = 1; n <= faults; n++) {
                workload.awaitProgress(progressBetween); // inject only once the system applies again
                fault.inject(n, stack, applier, random);
                System.out.printf("%s: fault %d/%d after %d acknowledged writes%n", name, n, faults, workload.ackedCount());
            }
            workload.awaitProgress(50);
            workload.stopAndDrain();
            LedgerCheck.assertEveryWriteAppliedExactlyOnce(stack.hotDir(), workload, List.copyOf(keys.keySet()));
            System.out.printf("%s: survived %d faults (seed %d): %d writes acknowledged, each applied once; %d client retries; %.1f s%n",
                    name, faults, seed, workload.ackedCount(), workload.retries(), (System.nanoTime() - started) / 1e9);
        }
    }
}
