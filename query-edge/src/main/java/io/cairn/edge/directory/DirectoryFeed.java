package io.cairn.edge.directory;

import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.edge.kafka.FromStartReader;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantState;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Feeds {@link TenantDirectory} from the compacted {@code cairn.tenant-state}, read from the beginning
 * of every partition. Ready once it has read up to the end offsets seen at start, so a tenant that
 * existed before the edge started is known before the edge serves a request.
 */
public final class DirectoryFeed extends FromStartReader {
    private final TenantDirectory directory;

    public DirectoryFeed(TenantDirectory directory, Map<String, Object> kafkaClientProps) {
        super(TopicCatalog.TENANT_STATE, ClientConfigs.assignedConsumer(kafkaClientProps, "cairn-edge-directory"),
                "cairn-edge-directory");
        this.directory = directory;
    }

    @Override
    protected void accept(ConsumerRecord<String, byte[]> record) {
        TenantState state = Serdes.STATE.decode(record.value());
        String tenant = record.key() != null ? record.key() : state == null ? null : state.getTenant();
        if (tenant != null) directory.apply(tenant, state);
    }
}
