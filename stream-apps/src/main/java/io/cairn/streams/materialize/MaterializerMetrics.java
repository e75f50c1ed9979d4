package io.cairn.streams.materialize;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** The materializer's meters; its lag is a gauge registered by {@link Materializer}. */
final class MaterializerMetrics {
    private final Counter states;
    private final Counter reports;
    private final Counter retries;
    private final Counter dropped;
    private final Counter undecodable;
    private final Timer flushes;

    MaterializerMetrics(MeterRegistry registry) {
        states = Counter.builder("cairn.materializer.states").description("tenant states (newest per tenant per flush) written to the metadata store").register(registry);
        reports = Counter.builder("cairn.materializer.access.reports").description("access reports written to the metadata store").register(registry);
        retries = Counter.builder("cairn.materializer.retries").description("writes retried after a retriable failure (DynamoDB unreachable or throttling)").register(registry);
        dropped = Counter.builder("cairn.materializer.dropped").description("tenants' changes the metadata store refused outright (left out of the view)").register(registry);
        undecodable = Counter.builder("cairn.materializer.undecodable").description("input records that could not be decoded and were skipped").register(registry);
        flushes = Timer.builder("cairn.materializer.flush").description("time to write one batch of buffered changes").register(registry);
    }

    void written(int stateCount, int reportCount) {
        states.increment(stateCount);
        reports.increment(reportCount);
    }

    void retried() {
        retries.increment();
    }

    void dropped() {
        dropped.increment();
    }

    void undecodable() {
        undecodable.increment();
    }

    void flushed(long nanos) {
        flushes.record(nanos, TimeUnit.NANOSECONDS);
    }
}
