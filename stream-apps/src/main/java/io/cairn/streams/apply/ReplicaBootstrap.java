package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A new replica starts from the primary's snapshots, not from offset 0 (docs/replicas.md): when its directory
 * holds no tenant yet and its consumer group has no position, every tenant is placed from its newest verified
 * snapshot and only the log after it is applied ({@link LogReplay}, the rebuild's own code), then the group is
 * pointed at where that replay ended and the copy's positions published there; the replica's applier goes on
 * from those offsets. A log whose retention removed a record some tenant still needs fails the start, naming
 * the tenants ({@link RecordsRemovedException}), as {@code cairn rebuild} refuses.
 */
public final class ReplicaBootstrap {
    private static final Logger log = LoggerFactory.getLogger(ReplicaBootstrap.class);

    private ReplicaBootstrap() {}

    /**
     * Seeds {@code config}'s directory when it is a fresh replica's (see above); returns what was replayed, or
     * null when there was nothing to do (not a replica, no snapshot store, a directory or a group that has
     * started already).
     */
    public static ReplayProgress seedIfNew(ApplierConfig config, java.util.Map<String, Object> kafkaClientProps, SnapshotStore snapshots,
            MeterRegistry registry) throws Exception {
        if (config.role() != ApplierConfig.Role.REPLICA || snapshots == null) return null;
        TenantFiles files = new TenantFiles(config.hotDir());
        if (Files.exists(files.registryFile())) return null;
        try (Admin admin = Admin.create(kafkaClientProps)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(config.applicationId())
                    .partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
            if (!committed.isEmpty()) return null;
            log.info("replica {}: a new copy; placing every tenant from its newest snapshot, then the log after it", config.applicationId());
            ReplayProgress done = new LogReplay(kafkaClientProps, config).withSnapshots(snapshots, registry)
                    .replayAll(t -> true, p -> { });
            Map<TopicPartition, OffsetAndMetadata> at = new HashMap<>();
            done.total().forEach((p, end) -> at.put(new TopicPartition(io.cairn.topics.TopicCatalog.TENANT_LOG, p), new OffsetAndMetadata(end)));
            admin.alterConsumerGroupOffsets(config.applicationId(), at).all().get(60, TimeUnit.SECONDS);
            try (CopyPositions positions = CopyPositions.open(files)) {
                for (Map.Entry<Integer, Long> e : done.total().entrySet()) {
                    positions.publish(e.getKey(), e.getValue(), List.of(), Set.of(), true, System.currentTimeMillis());
                }
            }
            log.info("replica {}: {} tenants from snapshots, {} records applied in {} ms; going on from the log's end",
                    config.applicationId(), done.seeded(), done.applied(), done.elapsedNanos() / 1_000_000);
            return done;
        }
    }
}
