package io.cairn.streams.apply;

import io.cairn.topics.PendingMigration;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.RunStarted;
import io.cairn.topics.avro.TenantState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** The fleet migration runs on the compacted {@code cairn.migrations}, by the tenants they list. */
final class MigrationRuns {
    private record Sent(RunStarted run, long atMs) {}

    static final MigrationRuns NONE = new MigrationRuns(Map.of());

    private final Map<String, List<Sent>> byTenant;

    private MigrationRuns(Map<String, List<Sent>> byTenant) {
        this.byTenant = byTenant;
    }

    /** True when a run still waits on the tenant of {@code state} ({@link PendingMigration}). */
    boolean pendingFor(TenantState state) {
        for (Sent s : byTenant.getOrDefault(state.getTenant(), List.of())) {
            if (PendingMigration.waitsOn(s.run(), s.atMs(), state)) return true;
        }
        return false;
    }

    /** Every run, read to the topic's current end; closes {@code consumer}. An absent topic lists none. */
    static MigrationRuns read(KafkaConsumer<String, byte[]> consumer) {
        Map<String, List<Sent>> out = new HashMap<>();
        TopicReads.toEnd(consumer, TopicCatalog.MIGRATIONS, Duration.ofMinutes(5), r -> {
            if (r.value() == null) return;
            MigrationEvent e = Serdes.MIGRATION.decode(r.value());
            if (e.getPayload() instanceof RunStarted run) {
                Sent sent = new Sent(run, e.getAtMs());
                for (String t : run.getTenants()) out.computeIfAbsent(t, k -> new ArrayList<>(1)).add(sent);
            }
        });
        return new MigrationRuns(out);
    }
}
