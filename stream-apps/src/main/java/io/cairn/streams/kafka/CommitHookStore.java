package io.cairn.streams.kafka;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Not a store of data: a hook into Kafka Streams' commit. Streams commits every store of a task before
 * it commits the task's input offsets, so work done in {@link #onCommit} (committing SQLite
 * transactions, writing buffered changes out) is finished before Kafka records those inputs as
 * consumed. A processor connected to the store registers its action in {@code init}.
 */
public final class CommitHookStore implements StateStore {
    private final String name;
    private Runnable onCommit = () -> { };
    private boolean open;

    private CommitHookStore(String name) {
        this.name = name;
    }

    /** Runs {@code action} on the stream thread before each commit of the task's offsets. */
    public void onCommit(Runnable action) {
        this.onCommit = action;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> { });
        open = true;
    }

    /** Streams 4.x calls this (KIP-1035; the old {@code flush()} is deprecated) before it commits offsets. */
    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        onCommit.run();
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

    /** A builder for a hook store called {@code name} (no caching, no changelog). */
    public static StoreBuilder<CommitHookStore> builder(String name) {
        return new StoreBuilder<>() {
            @Override public StoreBuilder<CommitHookStore> withCachingEnabled() { return this; }
            @Override public StoreBuilder<CommitHookStore> withCachingDisabled() { return this; }
            @Override public StoreBuilder<CommitHookStore> withLoggingEnabled(Map<String, String> config) { return this; }
            @Override public StoreBuilder<CommitHookStore> withLoggingDisabled() { return this; }
            @Override public CommitHookStore build() { return new CommitHookStore(name); }
            @Override public Map<String, String> logConfig() { return Map.of(); }
            @Override public boolean loggingEnabled() { return false; }
            @Override public String name() { return name; }
        };
    }
}
