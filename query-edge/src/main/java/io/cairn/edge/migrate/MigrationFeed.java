package io.cairn.edge.migrate;

import io.cairn.edge.kafka.AssignedReader;
import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Feeds {@link MigrationCatalog} from {@code cairn.migrations}, read from the beginning of every
 * partition; ready once it has read up to the end offsets seen at start-up.
 */
public final class MigrationFeed extends AssignedReader {
    private final MigrationCatalog catalog;
    private volatile Map<TopicPartition, Long> startEnds;

    public MigrationFeed(MigrationCatalog catalog, Map<String, Object> kafkaClientProps) {
        super(TopicCatalog.MIGRATIONS, ClientConfigs.assignedConsumer(kafkaClientProps, "cairn-edge-migrations"), "cairn-edge-migrations");
        this.catalog = catalog;
    }

    @Override
    protected void position(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
        consumer.seekToBeginning(partitions);
        startEnds = consumer.endOffsets(partitions);
    }

    @Override
    protected void accept(ConsumerRecord<String, byte[]> record) {
        if (record.value() != null) catalog.accept(record.partition(), record.offset(), Serdes.MIGRATION.decode(record.value()));
    }

    @Override
    protected boolean caughtUp(KafkaConsumer<String, byte[]> consumer) {
        for (Map.Entry<TopicPartition, Long> e : startEnds.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        }
        return true;
    }
}
