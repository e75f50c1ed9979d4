package io.cairn.streams.materialize;

import io.cairn.connectors.metadata.AccessReport;
import io.cairn.streams.kafka.CommitHookStore;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code cairn.tenant-state} and {@code cairn.tenant-access} (co-partitioned by tenant, so one
 * task sees a tenant's states and its reports) and buffers what they say. Every {@code flushInterval}
 * it writes out the changes that cannot wait ({@link WrittenStates#urgent}); before every offset
 * commit (the counters' interval) it writes out everything, so offsets are committed only for what the
 * store took. A value that cannot be decoded is counted and skipped: the view must not stop for one
 * bad record.
 */
final class MaterializeProcessor implements Processor<String, byte[], Void, Void> {
    private static final Logger log = LoggerFactory.getLogger(MaterializeProcessor.class);

    private final MetadataWriter writer;
    private final MaterializerMetrics metrics;
    private final Duration flushInterval;
    private final ConcurrentMap<TopicPartition, Long> flushed;
    private final PendingChanges pending = new PendingChanges();
    private final WrittenStates written = new WrittenStates();
    private ProcessorContext<Void, Void> context;

    MaterializeProcessor(MetadataWriter writer, MaterializerMetrics metrics, Duration flushInterval,
            ConcurrentMap<TopicPartition, Long> flushed) {
        this.writer = writer;
        this.metrics = metrics;
        this.flushInterval = flushInterval;
        this.flushed = flushed;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        CommitHookStore hook = context.getStateStore(MaterializerTopology.COMMIT_HOOK);
        hook.onCommit(this::flushAll);
        context.schedule(flushInterval, PunctuationType.WALL_CLOCK_TIME, now -> flushUrgent());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        TopicPartition from = new TopicPartition(meta.topic(), meta.partition());
        try {
            if (meta.topic().equals(TopicCatalog.TENANT_STATE)) {
                TenantState state = Serdes.STATE.decode(record.value()); // null: a tombstone, the tenant was deleted
                String tenant = state != null ? state.getTenant() : record.key();
                if (tenant == null) throw new IllegalArgumentException("a tombstone without a key");
                pending.state(tenant, state, from, meta.offset());
            } else {
                pending.report(AccessReport.from(Serdes.ACCESS.decode(record.value())), from, meta.offset());
            }
        } catch (RuntimeException e) {
            metrics.undecodable();
            log.error("{}-{}@{}: undecodable record skipped: {}", meta.topic(), meta.partition(), meta.offset(), e.toString());
            pending.skipped(from, meta.offset());
        }
    }

    /** Writes out the urgent changes; everything when nothing else is buffered (the offsets then count too). */
    private void flushUrgent() {
        if (pending.isEmpty()) return;
        if (pending.allStates(written::urgent)) {
            flushAll();
            return;
        }
        List<PendingChanges.StateChange> urgent = pending.takeStates(written::urgent);
        if (urgent.isEmpty()) return;
        long start = System.nanoTime();
        write(urgent, List.of());
        metrics.flushed(System.nanoTime() - start);
    }

    private void flushAll() {
        if (pending.isEmpty()) return;
        long start = System.nanoTime();
        write(pending.states(), pending.reports());
        for (Map.Entry<TopicPartition, Long> e : pending.nextOffsets().entrySet()) flushed.merge(e.getKey(), e.getValue(), Math::max);
        pending.clear();
        metrics.flushed(System.nanoTime() - start);
    }

    private void write(List<PendingChanges.StateChange> states, List<AccessReport> reports) {
        try {
            writer.write(states, reports);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetadataWriter.Stalled("interrupted while writing to the metadata store", e);
        }
        written.wrote(states);
    }
}
