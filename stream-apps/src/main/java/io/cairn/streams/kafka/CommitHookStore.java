package io.cairn.streams.kafka;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * Not a store of data: a hook into Kafka Streams' commit that runs before the task's input offsets are
 * committed, so work done in {@link #onCommit} (committing SQLite transactions, syncing them, recording
 * what a worker thread has yet to apply) is finished before Kafka records those inputs as consumed. A
 * processor connected to the store registers its action in {@code init}.
 *
 * <p>Streams has no public hook there. It commits its stores ({@code StateStore.commit}) only after the
 * offsets (since Kafka 2.7, KAFKA-9450): work done then leaves a window in which a process killed after the
 * offset commit loses records it had not made durable. What Streams does call before every offset commit of a
 * task (in {@code StreamTask.prepareCommit}, and before a dirty close) is {@code flushCache()} of each store
 * that keeps a cache; this store says it keeps one ({@link CachedStateStore}, an interface of Streams'
 * internals) and runs the hook there. {@code CommitHookOrderIT} in infra proves the order against a real
 * broker, so an upgrade that changes it fails the build.
 */
public final class CommitHookStore implements StateStore, CachedStateStore<Object, Object> {
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

    /** Before Streams commits the task's offsets (and before it closes the task dirty): runs the hook. */
    @Override
    public void flushCache() {
        onCommit.run();
    }

    /** Nothing: this store forwards no cached records. */
    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    /** Nothing to clear. */
    @Override
    public void clearCache() {}

    /** Streams calls this after the offsets are committed (KIP-1035's {@code commit}, once {@code flush}): too late, so nothing. */
    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {}

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
