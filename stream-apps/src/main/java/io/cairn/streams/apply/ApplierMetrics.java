package io.cairn.streams.apply;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** The applier's meters: records by outcome, group-commit size and duration. Thread-safe. */
final class ApplierMetrics {
    private static final String RECORDS = "records of cairn.tenant-log taken by the applier, by outcome";
    private final Counter applied;
    private final Counter failed;
    private final Counter erased;
    private final Counter skipped;
    private final Counter replayed;
    private final Counter deferred;
    private final DistributionSummary groupSize;
    private final DistributionSummary heavyGroupSize;
    private final Timer commitTime;
    private final Counter synced;
    private final Counter quarantined;
    private final MeterRegistry registry;
    private final Stalls stalls;

    ApplierMetrics(MeterRegistry registry) {
        applied = Counter.builder("cairn.applier.records").tag("outcome", "applied").description(RECORDS).register(registry);
        failed = Counter.builder("cairn.applier.records").tag("outcome", "failed").description(RECORDS).register(registry);
        erased = Counter.builder("cairn.applier.records").tag("outcome", "erased")
                .description("Records sealed with a destroyed data key (a deleted tenant's): skipped, unreadable").register(registry);
        skipped = Counter.builder("cairn.applier.records").tag("outcome", "skipped")
                .description("redelivered records already applied").register(registry);
        replayed = Counter.builder("cairn.applier.records").tag("outcome", "idempotent_replay")
                .description("writes answered from an earlier outcome with the same Idempotency-Key").register(registry);
        deferred = Counter.builder("cairn.applier.records").tag("outcome", "deferred")
                .description("records sent to the heavy lane: they needed more than the quick budget").register(registry);
        groupSize = DistributionSummary.builder("cairn.applier.group.records").description("records committed together in one group commit").register(registry);
        heavyGroupSize = DistributionSummary.builder("cairn.applier.heavy.group.records")
                .description("records the heavy lane applied under one commit: different tenants' and runs of one tenant's writes")
                .register(registry);
        commitTime = Timer.builder("cairn.applier.group.commit").description("time to commit one group of records (all its tenants' transactions)").register(registry);
        this.registry = registry;
        this.stalls = new Stalls(registry);
        quarantined = Counter.builder("cairn.applier.quarantined")
                .description("records set aside after failing repeatedly for no known reason (see cairn.dead-letters): alert on any")
                .register(registry);
        // Every kind exists from the start at 0, so a dashboard or alarm sees a series before the first failure.
        for (FailureRecovery.Kind kind : FailureRecovery.Kind.values()) failureCounter(kind);
        synced = Counter.builder("cairn.applier.durable.syncs")
                .description("tenant files and directories fsynced before Kafka offset commits").register(registry);
    }

    void applied(Outcome outcome) {
        switch (outcome) {
            case Outcome.Applied a -> applied.increment();
            case Outcome.Failed f -> (f.code() == io.cairn.topics.ErrorCode.TENANT_ERASED ? erased : failed).increment();
            case Outcome.Skipped s -> skipped.increment();
            case Outcome.Replayed r -> replayed.increment();
            case Outcome.Deferred d -> deferred.increment();
        }
    }

    /** The machine failures being waited out now. */
    Stalls stalls() {
        return stalls;
    }

    void quarantined() {
        quarantined.increment();
    }

    /** A failure other than a record's verdict, by kind (see {@link FailureRecovery}). */
    void failed(FailureRecovery.Kind kind) {
        failureCounter(kind).increment();
    }

    private Counter failureCounter(FailureRecovery.Kind kind) {
        return Counter.builder("cairn.applier.failures").tag("kind", kind.name().toLowerCase(java.util.Locale.ROOT))
                .description("failures applying or committing that were not a record's verdict").register(registry);
    }

    void synced(int files) {
        synced.increment(files);
    }

    /** The heavy lane committed {@code records} records in one group. */
    void heavyGroup(int records) {
        heavyGroupSize.record(records);
    }

    void committed(int records, long nanos) {
        groupSize.record(records);
        commitTime.record(nanos, TimeUnit.NANOSECONDS);
    }
}
