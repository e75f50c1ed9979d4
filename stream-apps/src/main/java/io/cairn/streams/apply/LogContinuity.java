package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.TopicCatalog;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses to apply a {@code cairn.tenant-log} that ends before what the hot directory's files already hold.
 *
 * <p>Each tenant file stores the offset it applied up to, and a record at or below it is skipped as a
 * redelivery. A log replaced by a new one (a broker's log directory wiped, a new cluster) or restored from
 * an older copy numbers its next records with offsets the files hold already: every write would be skipped
 * as applied, its writer told it will be, until the offsets passed the files', and then applied on top of
 * content the log never had. So before the applier starts, each partition's end is compared with the offset
 * the applier of this directory published as applied ({@link CopyPositions}, which never moves back): an end
 * below it stops the start, naming the partitions and the ways out. A directory that never applied anything
 * passes; so does one whose positions cannot be read (a warning: the check is a guard, not the data).
 */
final class LogContinuity {
    private static final Logger log = LoggerFactory.getLogger(LogContinuity.class);

    private LogContinuity() {}

    /**
     * @throws LogBehindFilesException when a partition of the log ends before what the files hold
     */
    static void check(TenantFiles files, Map<String, Object> kafkaClientProps) {
        Map<Integer, Long> applied;
        try (CopyPositions.Reader positions = CopyPositions.reader(files)) {
            applied = new HashMap<>(positions.nextOffsets());
            // The registry's records too: files put in place after a rebuild come without published positions.
            registered(files).forEach((partition, next) -> applied.merge(partition, next, Math::max));
        } catch (SQLException e) {
            log.warn("could not read how far this hot directory applied the log ({}): its continuity with the log is not checked", e.toString());
            return;
        }
        if (applied.isEmpty()) return;
        check(applied, ends(kafkaClientProps), files);
    }

    /**
     * Per partition, one past the last record the hot directory's registry names (a tenant's creation or deletion, a
     * record the heavy lane or a thaw holds): the files hold that much of the log at least. Empty without a registry.
     */
    static Map<Integer, Long> registered(TenantFiles files) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        if (!java.nio.file.Files.exists(files.registryFile())) return out;
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(1_000);
        try (java.sql.Connection c = config.createConnection("jdbc:sqlite:" + files.registryFile());
             java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT log_partition, max(o) FROM ("
                     + " SELECT log_partition, max(created_offset, deleted_offset) AS o FROM tenants"
                     + " UNION ALL SELECT log_partition, log_offset FROM deferred"
                     + " UNION ALL SELECT log_partition, log_offset FROM cold_records) GROUP BY log_partition")) {
            while (rs.next()) if (rs.getLong(2) >= 0) out.put(rs.getInt(1), rs.getLong(2) + 1);
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("no such table")) return out; // made, not yet filled
            throw e;
        }
        return out;
    }

    /** As {@link #check(TenantFiles, Map)}, given both sides: {@code ends} lacks the partitions a log without the topic lacks. */
    static void check(Map<Integer, Long> applied, Map<Integer, Long> ends, TenantFiles files) {
        List<String> behind = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : new TreeMap<>(applied).entrySet()) {
            long end = ends.getOrDefault(e.getKey(), 0L);
            if (end < e.getValue()) {
                behind.add("partition " + e.getKey() + " ends at offset " + end + ", its files hold records up to offset " + (e.getValue() - 1));
            }
        }
        if (!behind.isEmpty()) throw new LogBehindFilesException(files, behind);
    }

    private static Map<Integer, Long> ends(Map<String, Object> kafkaClientProps) {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Map<Integer, Long> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(TopicCatalog.TENANT_LOG, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) return out;
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts); // held first: the client warns of every offset it gets for a partition it does not hold
            consumer.endOffsets(parts, Duration.ofSeconds(30)).forEach((tp, end) -> out.put(tp.partition(), end));
        }
        return out;
    }
}
