package io.cairn.edge.migrate;

import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.edge.kafka.FromStartReader;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Feeds {@link MigrationCatalog} from {@code cairn.migrations}, read from the beginning of every
 * partition; ready once it has read up to the end offsets seen at start-up.
 */
public final class MigrationFeed extends FromStartReader {
    private final MigrationCatalog catalog;

    public MigrationFeed(MigrationCatalog catalog, Map<String, Object> kafkaClientProps) {
        super(TopicCatalog.MIGRATIONS, ClientConfigs.assignedConsumer(kafkaClientProps, "cairn-edge-migrations"), "cairn-edge-migrations");
        this.catalog = catalog;
    }

    @Override
    protected void accept(ConsumerRecord<String, byte[]> record) {
        if (record.value() != null) catalog.accept(record.partition(), record.offset(), Serdes.MIGRATION.decode(record.value()));
    }
}
