package io.cairn.infra.replay;

import static org.awaitility.Awaitility.await;
import io.cairn.tenantdb.sql.LogicalChecksum;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.devstack.EmbeddedKafka;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantCommand;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real broker plus helpers to drive the log directly: produce commands as the edge would (keyed by
 * tenant, idempotent, acks=all), wait until the applier's group has committed past the end of the log,
 * and take every tenant's logical checksum from a hot directory.
 */
final class LogFixture implements AutoCloseable {
    static final int PARTITIONS = 4;

    private final EmbeddedKafka kafka;
    private final KafkaProducer<String, TenantCommand> producer;

    private LogFixture(EmbeddedKafka kafka) {
        this.kafka = kafka;
        Map<String, Object> p = new HashMap<>(clientProps());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), Serdes.COMMAND.serializer());
    }

    static LogFixture start(Path dir) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir);
        try (Admin admin = Admin.create(KafkaSettings.embedded(kafka.bootstrapServers()).clientProperties())) {
            TopicCatalog.ensureTopics(admin, PARTITIONS, (short) 1, Duration.ofSeconds(60));
        }
        return new LogFixture(kafka);
    }

    Map<String, Object> clientProps() {
        return KafkaSettings.embedded(kafka.bootstrapServers()).clientProperties();
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /**
     * Produces every command in order (one tenant's commands stay in order on its partition); returns when all are
     * acked, with where each went.
     */
    List<RecordMetadata> produce(List<TenantCommand> commands) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>(commands.size());
        for (TenantCommand c : commands) acks.add(producer.send(new ProducerRecord<>(TopicCatalog.TENANT_LOG, c.getTenant(), c)));
        List<RecordMetadata> at = new ArrayList<>(acks.size());
        for (Future<RecordMetadata> f : acks) at.add(f.get());
        return at;
    }

    /**
     * Blocks until the applier over {@code hotDir} holds every record of the log up to its current end: its group
     * committed them, and its published positions have them with no tenant still waiting. The group's offsets alone
     * do not say so: a record deferred to the heavy lane is committed in Kafka while the lane applies it and the
     * tenant's later records (a tenant that took more than its share of the shared thread lately is sent there: on a
     * slow machine, the one busy tenant of {@code PerTenantOrderIT}).
     */
    void awaitApplied(String group, Path hotDir) throws Exception {
        awaitApplied(group);
        Map<Integer, Long> ends = new HashMap<>();
        try (Admin admin = Admin.create(clientProps())) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) latest.put(new TopicPartition(TopicCatalog.TENANT_LOG, p), OffsetSpec.latest());
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
        }
        try (io.cairn.tenantdb.sqlite.CopyPositions.Reader positions = io.cairn.tenantdb.sqlite.CopyPositions.reader(new TenantFiles(hotDir))) {
            await("the copy in " + hotDir + " holding " + ends).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<Integer, Long> next = positions.nextOffsets();
                return positions.waitingTenants() == 0 && ends.entrySet().stream()
                        .allMatch(e -> e.getValue() == 0 || next.getOrDefault(e.getKey(), 0L) >= e.getValue());
            });
        }
    }

    /** Blocks until consumer group {@code group} has committed every partition of the log up to its current end. */
    private void awaitApplied(String group) throws Exception {
        try (Admin admin = Admin.create(clientProps())) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) latest.put(new TopicPartition(TopicCatalog.TENANT_LOG, p), OffsetSpec.latest());
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            await("group " + group + " committing " + ends).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                return ends.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
            });
        }
    }

    /** Tenant -> logical checksum of every tenant file under {@code hotDir}, sorted by tenant. */
    static Map<String, String> checksums(Path hotDir) throws SQLException {
        TenantFiles files = new TenantFiles(hotDir);
        Map<String, String> out = new TreeMap<>();
        for (String tenant : files.list()) out.put(tenant, checksum(hotDir, tenant));
        return out;
    }

    static String checksum(Path hotDir, String tenant) throws SQLException {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, new TenantFiles(hotDir).database(tenant), SqliteLimits.READ_DEFAULTS)) {
            return LogicalChecksum.sha256Hex(c.connection());
        }
    }

    @Override
    public void close() {
        producer.close();
        kafka.close();
    }
}
