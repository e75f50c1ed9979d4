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
}
