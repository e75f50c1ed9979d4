package io.cairn.edge.directory;

import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.edge.kafka.FromStartReader;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.seal.Keyring;
import io.cairn.topics.seal.Sealing;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Feeds {@link TenantDirectory} from the compacted {@code cairn.tenant-state}, read from the beginning
 * of every partition. Ready once it has read up to the end offsets seen at start, so a tenant that
 * existed before the edge started is known before the edge serves a request. Migration errors sealed
 * with a tenant's data key are opened here, so the directory holds them in clear, in memory only.
 */
public final class DirectoryFeed extends FromStartReader {
    private final TenantDirectory directory;
    private final Keyring keys;

    /** @param keys opens the states' sealed migration errors (null: the tenants' records are not encrypted) */
    public DirectoryFeed(TenantDirectory directory, Map<String, Object> kafkaClientProps, Keyring keys) {
        super(TopicCatalog.TENANT_STATE, ClientConfigs.assignedConsumer(kafkaClientProps, "cairn-edge-directory"),
                "cairn-edge-directory");
        this.directory = directory;
        this.keys = keys;
    }

    @Override
    protected void accept(ConsumerRecord<String, byte[]> record) {
        TenantState state = Serdes.STATE.decode(record.value());
        if (keys != null) state = Sealing.openErrors(state, keys);
        String tenant = record.key() != null ? record.key() : state == null ? null : state.getTenant();
        if (tenant != null) directory.apply(tenant, state);
    }
}
