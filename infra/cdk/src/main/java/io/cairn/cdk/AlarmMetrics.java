package io.cairn.cdk;

import java.util.List;

/**
 * The CloudWatch metrics the stack alarms and scales on, as Cairn's EMF output names them (namespace
 * {@value #NAMESPACE}; a Micrometer meter keeps its dotted name, a timer adds {@code .p50}, {@code .p99}
 * in milliseconds). No CDK types here: a test of the EMF output checks these names against what a
 * running Cairn writes.
 */
public final class AlarmMetrics {
    public static final String NAMESPACE = "Cairn";
    /** Records of {@code cairn.tenant-log} not yet applied, the largest over the process's partitions. */
    public static final String APPLIER_LAG = "cairn.applier.lag.records";
    /** Answered requests; dimension {@code status} among others. */
    public static final String REQUESTS = "cairn.edge.requests";
    public static final String WRITE_LATENCY_P99 = "cairn.edge.write.latency.p99";
    public static final String THAW_LATENCY_P99 = "cairn.tiers.thaw.duration.p99";
    /** Failures that were not a record's verdict; dimension {@code kind} ({@code machine} covers a full volume). */
    public static final String APPLIER_FAILURES = "cairn.applier.failures";
    public static final String QUARANTINED = "cairn.applier.quarantined";

    public static final List<String> ALL = List.of(APPLIER_LAG, REQUESTS, WRITE_LATENCY_P99, THAW_LATENCY_P99, APPLIER_FAILURES, QUARANTINED);

    private AlarmMetrics() {}
}
