package io.cairn.edge.write;

import io.cairn.edge.kafka.AssignedReader;
import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.CommandResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads every outcome on {@code cairn.tenant-results} from the end as of start-up and completes the
 * waiter registered for its command id. Register with {@link #expect} before producing the command, so
 * the outcome cannot arrive unseen; an outcome nobody waits for (another edge's, or a duplicate) is
 * dropped. Ready only once its start positions are resolved: from then on no outcome can be missed.
 */
public final class OutcomeReader extends AssignedReader {
    private final Map<String, CompletableFuture<CommandResult>> waiting = new ConcurrentHashMap<>();
    private final TenantBacklog backlog;
    private volatile boolean positioned;
    private final java.util.concurrent.atomic.LongAdder answeredHere = new java.util.concurrent.atomic.LongAdder();

    private final TenantLogRate logRate;

    /** Reads outcomes; each one also takes its command off its tenant's {@code backlog}. */
    public OutcomeReader(Map<String, Object> kafkaClientProps, TenantBacklog backlog) {
        this(kafkaClientProps, backlog, new TenantLogRate(TenantLogRate.DEFAULT_BYTES_PER_SECOND, TenantLogRate.DEFAULT_BURST_BYTES));
    }

    /** As above; each outcome's bytes on the log are also charged to its tenant's share of it ({@link TenantLogRate#charge}). */
    public OutcomeReader(Map<String, Object> kafkaClientProps, TenantBacklog backlog, TenantLogRate logRate) {
        super(TopicCatalog.TENANT_RESULTS, ClientConfigs.assignedConsumer(kafkaClientProps, "cairn-edge-outcomes"),
                "cairn-edge-outcomes");
        this.backlog = backlog;
        this.logRate = logRate;
    }

    /** Each tenant's share of the log at this edge: its writes take from it, and their outcomes as they come. */
    public TenantLogRate logRate() {
        return logRate;
    }

    /** A future for the outcome of {@code commandId}; call {@link #forget} if you stop waiting. */
    public CompletableFuture<CommandResult> expect(String commandId) {
        return waiting.computeIfAbsent(commandId, id -> new CompletableFuture<>());
    }

    public void forget(String commandId) {
        waiting.remove(commandId);
    }

    /**
     * An outcome told by the applier in this process as soon as its group is committed, before its record is read back
     * from the log: completes its waiter, if any. The record, when read, still takes the command off its tenant's backlog
     * and settles its share of the log ({@link #accept}); the waiter is gone by then, so the outcome is answered once.
     */
    public void committedHere(CommandResult result) {
        if (answer(result)) answeredHere.increment();
    }

    /** Completes the waiter of {@code result}'s command, if one is still registered; true when this call completed it. */
    private boolean answer(CommandResult result) {
        CompletableFuture<CommandResult> waiter = waiting.remove(result.getCommandId());
        return waiter != null && waiter.complete(result);
    }

    /** Outcomes completed by {@link #committedHere} (a waiter answered before the outcome's record was read). */
    public long answeredHere() {
        return answeredHere.sum();
    }

    @Override
    protected void position(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
        consumer.seekToEnd(partitions);
        // seekToEnd is lazy: resolve now, so "ready" means every later outcome will be read.
        for (TopicPartition tp : partitions) consumer.position(tp);
        positioned = true;
    }

    @Override
    protected void accept(ConsumerRecord<String, byte[]> record) {
        CommandResult result = Serdes.RESULT.decode(record.value());
        if (result == null) return;
        backlog.done(result.getTenant(), result.getCommandId());
        logRate.settle(result.getTenant(), result.getCommandId(), record.serializedValueSize());
        answer(result);
    }

    @Override
    protected boolean caughtUp(KafkaConsumer<String, byte[]> consumer) {
        return positioned;
    }
}
