package io.cairn.streams.apply;

import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantState;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

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
        TopicReads.toEnd(consumer, TopicCatalog.TENANT_STATE, Duration.ofMinutes(5), r -> {
            if (r.key() == null) return;
            if (r.value() == null) {
                out.remove(r.key());
                return;
            }
            TenantState s = Serdes.STATE.decode(r.value());
            TenantState before = out.get(r.key());
            if (before == null || before.getAppliedOffset() <= s.getAppliedOffset()) out.put(r.key(), s);
        });
        return out;
    }

    /**
     * The least position each tenant's file holds ({@link io.cairn.topics.FileFloor}: a hot tenant's applied offset, a
     * cold one's snapshot), read to the topic's current end with only committed transactions (an aborted group's state
     * claims what no file holds); empty when the topic cannot be read.
     */
    static Map<String, Long> appliedOffsets(Map<String, Object> kafkaClientProps) {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.CLIENT_ID_CONFIG, "cairn-applier-states");
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        Map<String, Long> out = new HashMap<>();
        read(new KafkaConsumer<>(p, new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())).forEach((t, s) -> {
            long floor = io.cairn.topics.FileFloor.of(s);
            if (floor >= 0) out.put(t, floor);
        });
        return out;
    }
}
