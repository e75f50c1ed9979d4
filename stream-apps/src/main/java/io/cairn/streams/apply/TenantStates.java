package io.cairn.streams.apply;

import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the compacted {@code cairn.tenant-state}: the last state the live applier announced for every
 * tenant that exists. Compaction keeps it whatever the log's retention, so it names tenants whose every
 * record retention removed (an idle tenant kept by its snapshot, a cold one).
 */
final class TenantStates {
    private TenantStates() {}

    /**
     * The newest state of every tenant, read to the topic's current end (a deleted tenant's tombstone
     * removes it). Closes {@code consumer}. An absent topic lists none.
     */
    static Map<String, TenantState> read(KafkaConsumer<String, byte[]> consumer) {
        Map<String, TenantState> out = new HashMap<>();
        try (consumer) {
            List<PartitionInfo> infos = consumer.partitionsFor(TopicCatalog.TENANT_STATE, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) return out;
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + TopicCatalog.TENANT_STATE);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) continue;
                    if (r.value() == null) {
                        out.remove(r.key());
                        continue;
                    }
                    TenantState s = Serdes.STATE.decode(r.value());
                    TenantState before = out.get(r.key());
                    if (before == null || before.getAppliedOffset() <= s.getAppliedOffset()) out.put(r.key(), s);
                }
            }
        }
        return out;
    }
}
