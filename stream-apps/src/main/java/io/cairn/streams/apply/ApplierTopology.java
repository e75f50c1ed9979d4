package io.cairn.streams.apply;

import io.cairn.streams.kafka.CommitHookStore;
import io.cairn.streams.kafka.PollEnds;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.TenantState;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;

/** cairn.tenant-log -> apply -> cairn.tenant-results and cairn.tenant-state. */
public final class ApplierTopology {
    /** The store whose commit commits the open SQLite transactions (see {@link CommitHookStore}). */
    static final String COMMIT_HOOK = "cairn-group-commit";

    private ApplierTopology() {}

    /**
     * The topology for {@code config}; every task shares {@code pool} (bounded open files per
     * instance), {@code recovery} and the heavy {@code lane}.
     */
    static Topology build(ApplierConfig config, TenantDatabasePool pool, ApplierMetrics metrics, TenantRecovery recovery,
            HeavyLane lane, SnapshotRequests snapshots, PollEnds pollEnds, LocalOutcomes local) {
        Topology t = new Topology();
        t.addSource("log", new StringDeserializer(), Serdes.COMMAND.deserializer(), TopicCatalog.TENANT_LOG);
        t.addProcessor("apply", () -> new ApplyProcessor(pool, config, metrics, recovery, lane, snapshots, pollEnds, local), "log");
        t.addStateStore(CommitHookStore.builder(COMMIT_HOOK), "apply");
        t.addSink(ApplyProcessor.RESULTS_SINK, TopicCatalog.TENANT_RESULTS, new StringSerializer(),
                typed(Serdes.RESULT.serializer(), CommandResult.class), "apply");
        t.addSink(ApplyProcessor.STATE_SINK, TopicCatalog.TENANT_STATE, new StringSerializer(),
                typed(Serdes.STATE.serializer(), TenantState.class), "apply");
        t.addSink(ApplyProcessor.DEAD_LETTER_SINK, TopicCatalog.DEAD_LETTERS, new StringSerializer(),
                typed(Serdes.DEAD_LETTER.serializer(), DeadLetter.class), "apply");
        return t;
    }

    /** The processor forwards Object values to named sinks; each sink only ever receives its own type. */
    private static <T> Serializer<Object> typed(Serializer<T> serializer, Class<T> type) {
        return (topic, value) -> serializer.serialize(topic, type.cast(value));
    }
}
