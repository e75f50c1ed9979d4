package io.cairn.streams.materialize;

import io.cairn.streams.kafka.CommitHookStore;
import io.cairn.topics.TopicCatalog;
import java.time.Duration;
import java.util.concurrent.ConcurrentMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;

/** cairn.tenant-state + cairn.tenant-access -> the metadata store. No output topic. */
final class MaterializerTopology {
    static final String COMMIT_HOOK = "cairn-materializer-flush";

    private MaterializerTopology() {}

    static Topology build(MetadataWriter writer, MaterializerMetrics metrics, Duration flushInterval,
            ConcurrentMap<TopicPartition, Long> flushed) {
        Topology t = new Topology();
        t.addSource("states", new StringDeserializer(), new ByteArrayDeserializer(), TopicCatalog.TENANT_STATE);
        t.addSource("access", new StringDeserializer(), new ByteArrayDeserializer(), TopicCatalog.TENANT_ACCESS);
        t.addProcessor("materialize", () -> new MaterializeProcessor(writer, metrics, flushInterval, flushed), "states", "access");
        t.addStateStore(CommitHookStore.builder(COMMIT_HOOK), "materialize");
        return t;
    }
}
