package io.cairn.bench;

import java.time.Duration;

/**
 * How much of each scenario one run does. {@link #full()} is the workload; {@link #quick()} the
 * same code path sized for CI (well under a minute, stack start included); {@link #tiny()} is for the
 * smoke test that keeps the bench from rotting.
 *
 * @param globalWarmUp every request kind at once, before any measurement (JIT)
 * @param warmUp each scenario's own unmeasured lead-in
 * @param tenants tenants created in the creation scenario, then written to by the throughput scenarios
 * @param singleRequests throughput requests of one statement each (a multiple of {@code tenants})
 * @param batchRequests throughput requests of {@code batchSize} statements each (a multiple of {@code tenants})
 * @param loadClients concurrent clients of the throughput and creation scenarios
 * @param fileCheckMegabytes size of the tenant whose file check is timed
 * @param materializeStates tenant states put on cairn.tenant-state at once for the materializer to drain
 * @param listedTenants tenants in the control plane when the fleet listing is timed
 * @param healRecords records (batches of {@code batchSize} inserts) in the history of the tenant healed from a snapshot and from offset 0
 * @param coldMegabytes sizes of the tenants whose cold first read is timed
 * @param coldSamples freeze-then-read cycles per size
 * @param stormTenants tenants frozen at once, then read at once (the thaw storm)
 * @param fleetTenants tenants a fleet migration run brings to a new version
 * @param fleetRows rows of the table that migration alters and indexes, in each of them
 * @param fleetTemplates tenants created from a template (and as many plainly) for the creation rates
 * @param pitMegabytes sizes of the tenants restored, forked, read as of, exported and imported
 * @param pitRecords records (one row each) in each of their histories
 * @param pitAsOfSamples past points read as of, each first built and then read again
 * @param seedMegabytes sizes of the tenants the seed system's write path (a whole-file copy to S3 per write) is measured at
 * @param seedWrites writes measured at each of those sizes
 */
public record BenchPlan(
        String name, Duration globalWarmUp, Duration warmUp,
        int sqliteRows, int sqliteReads,
        int writeRate, Duration kafkaRun, int kafkaRecords, int recordBytes,
        int readClients, Duration readRun,
        Duration writeRun,
        int tenants, int singleRequests, int batchRequests, int batchSize, int loadClients,
        Duration rywRun,
        int idleTenants,
        int fileCheckMegabytes,
        int materializeStates, int listedTenants,
        int healRecords,
        java.util.List<Integer> coldMegabytes, int coldSamples, int stormTenants,
        int fleetTenants, int fleetRows, int fleetTemplates,
        java.util.List<Integer> pitMegabytes, int pitRecords, int pitAsOfSamples,
        java.util.List<Integer> seedMegabytes, int seedWrites) {

    public static BenchPlan full() {
        return new BenchPlan("full", Duration.ofSeconds(20), Duration.ofSeconds(3), 500_000, 200_000,
                200, Duration.ofSeconds(10), 300_000, 200,
                16, Duration.ofSeconds(15),
                Duration.ofSeconds(20),
                1_000, 10_000, 2_000, 100, 64,
                Duration.ofSeconds(10),
                10_000, 64,
                10_000, 100_000,
                5_000,
                java.util.List.of(1, 10, 100), 10, 1_000,
                10_000, 1_000, 500,
                java.util.List.of(10, 100), 100_000, 5,
                java.util.List.of(1, 10), 200);
    }

    public static BenchPlan quick() {
        return new BenchPlan("quick", Duration.ofSeconds(4), Duration.ofSeconds(1), 50_000, 20_000,
                200, Duration.ofSeconds(1), 30_000, 200,
                16, Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                50, 500, 100, 100, 32,
                Duration.ofSeconds(1),
                200, 8,
                1_000, 2_000,
                200,
                java.util.List.of(1, 10), 5, 100,
                500, 1_000, 100,
                java.util.List.of(10), 10_000, 3,
                java.util.List.of(1, 10), 20);
    }

    public static BenchPlan tiny() {
        return new BenchPlan("tiny", Duration.ofMillis(300), Duration.ofMillis(200), 2_000, 1_000,
                50, Duration.ofMillis(300), 2_000, 200,
                4, Duration.ofMillis(300),
                Duration.ofMillis(500),
                5, 20, 5, 10, 4,
                Duration.ofMillis(300),
                10, 4,
                50, 100,
                20,
                java.util.List.of(1), 2, 10,
                10, 100, 5,
                java.util.List.of(1), 200, 2,
                java.util.List.of(1), 3);
    }
}
