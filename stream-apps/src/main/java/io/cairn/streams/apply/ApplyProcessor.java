package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the records of one partition of cairn.tenant-log, in offset order, with group commit: the
 * records a poll returns are applied into open per-tenant transactions, which commit at the end of the
 * poll loop (a 1 ms wall-clock punctuation runs right after processing; {@code poll.ms} is kept at a
 * few milliseconds so a lone record never waits long for it), when the group reaches its size bound,
 * or when Streams commits offsets (see {@link GroupCommitStore}). Outcomes and states are forwarded
 * only after their commit.
 */
final class ApplyProcessor implements Processor<String, TenantCommand, String, Object> {
    static final String RESULTS_SINK = "results";
    static final String STATE_SINK = "state";
    private static final Logger log = LoggerFactory.getLogger(ApplyProcessor.class);

    private final TenantDatabasePool pool;
    private final ApplierConfig config;
    private final ApplierMetrics metrics;
    private final TenantRecovery recovery;
    private ProcessorContext<String, Object> context;
    private RecordApplier records;
    private GroupCommit group;
    private Cancellable punctuator;
    private final List<GroupCommit.Emitted> unsent = new ArrayList<>();

    ApplyProcessor(TenantDatabasePool pool, ApplierConfig config, ApplierMetrics metrics, TenantRecovery recovery) {
        this.pool = pool;
        this.config = config;
        this.metrics = metrics;
        this.recovery = recovery;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.records = new RecordApplier(pool, config.maxResultRows(), recovery);
        this.group = records.group();
        GroupCommitStore store = context.getStateStore(GroupCommitStore.NAME);
        // Streams' flush may run outside any processing context, where forwarding is not allowed: it only
        // commits, and what it committed is forwarded by the next punctuation or record.
        store.onFlush(this::commitAndSync);
        this.punctuator = context.schedule(Duration.ofMillis(1), PunctuationType.WALL_CLOCK_TIME, t -> {
            commitAndForward();
            pool.closeIdle(System.nanoTime());
        });
    }

    @Override
    public void process(Record<String, TenantCommand> record) {
        TenantCommand cmd = record.value();
        RecordMetadata md = context.recordMetadata().orElseThrow();
        if (cmd == null) {
            log.warn("skipping empty record at {}:{}", md.partition(), md.offset());
            return;
        }
        Bookmark position = new Bookmark(md.partition(), md.offset());
        try {
            Outcome outcome = records.apply(cmd, position, this::commitAndForward);
            metrics.applied(outcome);
            if (cmd.getPayload() instanceof DeleteTenant) {
                if (!(outcome instanceof Outcome.Skipped)) {
                    emitResult(GroupCommit.result(cmd, position, outcome, System.currentTimeMillis()));
                    if (outcome instanceof Outcome.Applied) emitState(cmd.getTenant(), null);
                }
                return;
            }
            if (group.size() >= config.groupCommitMaxRecords()) commitAndForward();
        } catch (SQLException e) {
            group.abort();
            throw new StreamsException("applying " + position + " for tenant " + cmd.getTenant() + " failed", e);
        }
    }

    private void commitAndForward() {
        commitGroup();
        for (GroupCommit.Emitted emitted : unsent) {
            emitted.results().forEach(this::emitResult);
            emitted.states().forEach(s -> emitState(s.getTenant(), s));
        }
        unsent.clear();
    }

    /** Before Streams commits offsets: commit SQLite, then make it durable (see {@link DurabilityBarrier}). */
    private void commitAndSync() {
        commitGroup();
        metrics.synced(group.syncDurable());
    }

    private void commitGroup() {
        if (group.isEmpty()) return;
        try {
            long start = System.nanoTime();
            GroupCommit.Emitted emitted = group.commit(System.currentTimeMillis());
            metrics.committed(emitted.results().size(), System.nanoTime() - start);
            unsent.add(emitted);
        } catch (SQLException e) {
            throw new StreamsException("group commit failed", e);
        }
    }

    private void emitResult(CommandResult result) {
        if (config.role() == ApplierConfig.Role.PRIMARY) {
            context.forward(new Record<>(result.getTenant(), result, System.currentTimeMillis()), RESULTS_SINK);
        }
    }

    private void emitState(String tenant, TenantState state) {
        if (config.role() == ApplierConfig.Role.PRIMARY) {
            context.forward(new Record<>(tenant, state, System.currentTimeMillis()), STATE_SINK);
        }
    }

    @Override
    public void close() {
        if (punctuator != null) punctuator.cancel();
        // Streams flushed the store (committing the group) before closing; whatever is still open here
        // belongs to a failed task and is rolled back, to be redelivered.
        group.abort();
        group.close();
    }
}
