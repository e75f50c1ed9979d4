package io.cairn.streams.apply;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** The applier's meters: records by outcome, group-commit size and duration. Thread-safe. */
final class ApplierMetrics {
    private final Counter applied;
    private final Counter failed;
    private final Counter skipped;
    private final Counter replayed;
    private final DistributionSummary groupSize;
    private final Timer commitTime;
    private final Counter synced;

    ApplierMetrics(MeterRegistry registry) {
        applied = Counter.builder("cairn.applier.records").tag("outcome", "applied").register(registry);
        failed = Counter.builder("cairn.applier.records").tag("outcome", "failed").register(registry);
        skipped = Counter.builder("cairn.applier.records").tag("outcome", "skipped")
                .description("redelivered records already applied").register(registry);
        replayed = Counter.builder("cairn.applier.records").tag("outcome", "idempotent_replay")
                .description("writes answered from an earlier outcome with the same Idempotency-Key").register(registry);
        groupSize = DistributionSummary.builder("cairn.applier.group.records").register(registry);
        commitTime = Timer.builder("cairn.applier.group.commit").register(registry);
        synced = Counter.builder("cairn.applier.durable.syncs")
                .description("tenant files and directories fsynced before Kafka offset commits").register(registry);
    }

    void applied(Outcome outcome) {
        switch (outcome) {
            case Outcome.Applied a -> applied.increment();
            case Outcome.Failed f -> failed.increment();
            case Outcome.Skipped s -> skipped.increment();
            case Outcome.Replayed r -> replayed.increment();
        }
    }

    void synced(int files) {
        synced.increment(files);
    }

    void committed(int records, long nanos) {
        groupSize.record(records);
        commitTime.record(nanos, TimeUnit.NANOSECONDS);
    }
}
