package io.cairn.streams.apply;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Not a store of data: a hook into Kafka Streams' commit. Streams flushes every store of a task before
 * it commits the task's input offsets, so committing the open SQLite transactions here guarantees that
 * Kafka never records as consumed a record whose effect could still be lost. (Redelivery is the other
 * direction and is harmless: the tenant's stored position skips what was applied.)
 */
final class GroupCommitStore implements StateStore {
    static final String NAME = "cairn-group-commit";

    private Runnable onFlush = () -> { };
    private boolean open;

    void onFlush(Runnable action) {
        this.onFlush = action;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> { });
        open = true;
    }

    /** Streams 4.x calls this (KIP-1035; the old {@code flush()} is deprecated) before it commits offsets. */
    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        onFlush.run();
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    static StoreBuilder<GroupCommitStore> builder() {
        return new StoreBuilder<>() {
            @Override public StoreBuilder<GroupCommitStore> withCachingEnabled() { return this; }
            @Override public StoreBuilder<GroupCommitStore> withCachingDisabled() { return this; }
            @Override public StoreBuilder<GroupCommitStore> withLoggingEnabled(Map<String, String> config) { return this; }
            @Override public StoreBuilder<GroupCommitStore> withLoggingDisabled() { return this; }
            @Override public GroupCommitStore build() { return new GroupCommitStore(); }
            @Override public Map<String, String> logConfig() { return Map.of(); }
            @Override public boolean loggingEnabled() { return false; }
            @Override public String name() { return NAME; }
        };
    }
}
