package io.cairn.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Every topic Cairn uses, with its cleanup policy and retention. All are keyed by tenant id, so the
 * default partitioner keeps a tenant on one partition; the partition count is fixed at creation
 * (moving tenants is an explicit operation, never a re-hash).
 */
public final class TopicCatalog {
    public static final String TENANT_LOG = "cairn.tenant-log";
    public static final String TENANT_RESULTS = "cairn.tenant-results";
    public static final String TENANT_STATE = "cairn.tenant-state";
    public static final String TENANT_ACCESS = "cairn.tenant-access";
    public static final String MIGRATIONS = "cairn.migrations";
    public static final String DEAD_LETTERS = "cairn.dead-letters";
    /** Which role this cluster's region plays: a standby mirrors another region until promoted (see {@link RegionRole}). */
    public static final String REGION = "cairn.region";

    /** Largest record a topic accepts; the edge's request limit stays well below it. */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** One topic's definition. {@code retention} null means keep forever. */
    public record TopicSpec(String name, String cleanupPolicy, Duration retention) {
        Map<String, String> configs() {
            return Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy,
                    TopicConfig.RETENTION_MS_CONFIG, retention == null ? "-1" : Long.toString(retention.toMillis()),
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        }
    }

    public static final List<TopicSpec> ALL = List.of(
            // The log is the database: never deleted by retention (MSK tiered storage in AWS).
            new TopicSpec(TENANT_LOG, TopicConfig.CLEANUP_POLICY_DELETE, null),
            new TopicSpec(TENANT_RESULTS, TopicConfig.CLEANUP_POLICY_DELETE, Duration.ofHours(6)),
            new TopicSpec(TENANT_STATE, TopicConfig.CLEANUP_POLICY_COMPACT, null),
            // Usage reports: kept long enough for the materializer to be down a week and lose no count.
            new TopicSpec(TENANT_ACCESS, TopicConfig.CLEANUP_POLICY_DELETE, Duration.ofDays(7)),
            new TopicSpec(MIGRATIONS, TopicConfig.CLEANUP_POLICY_COMPACT, null),
            // Kept as long as the log: a replay quarantines the same records the live applier did.
            new TopicSpec(DEAD_LETTERS, TopicConfig.CLEANUP_POLICY_DELETE, null),
            // The region's role: one record per change, the latest one counts. Never mirrored to another region.
            new TopicSpec(REGION, TopicConfig.CLEANUP_POLICY_COMPACT, null));

    private TopicCatalog() {}

    /** Where each partition of {@code topic} ends now (the offset its next record gets), by partition. */
    public static Map<Integer, Long> endOffsets(Admin admin, String topic, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .get(topic).partitions().size();
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> ask = new java.util.HashMap<>();
        for (int p = 0; p < partitions; p++) {
            ask.put(new org.apache.kafka.common.TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        Map<Integer, Long> out = new java.util.HashMap<>();
        admin.listOffsets(ask).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).forEach((tp, info) -> out.put(tp.partition(), info.offset()));
        return out;
    }

    /**
     * Creates the topics that are missing; existing topics are left as they are. Idempotent and safe
     * to run from several processes at once.
     *
     * @return the names of the topics this call created
     */
    public static List<String> ensureTopics(Admin admin, int partitions, short replicationFactor, Duration timeout)
            throws InterruptedException, TimeoutException {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<String> created = new ArrayList<>();
            for (TopicSpec spec : ALL) {
                if (existing.contains(spec.name())) continue;
                NewTopic topic = new NewTopic(spec.name(), partitions, replicationFactor).configs(spec.configs());
                try {
                    admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    created.add(spec.name());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) throw e;
                }
            }
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create Cairn's topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
