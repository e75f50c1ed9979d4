package io.cairn.infra.runtime;

import io.cairn.edge.config.EdgeConfig;
import io.cairn.edge.http.HealthCheck;
import io.cairn.edge.QueryEdge;
import io.cairn.edge.read.ReadCache;
import io.cairn.streams.apply.Applier;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.topics.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn process: the topics ensured, then the applier and/or the query edge, wired only through
 * Kafka and the hot volume (the edge never reaches into the applier: at scale they are separate
 * deployments). Closing stops the edge first, so no request is accepted that could not be answered.
 */
public final class CairnNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CairnNode.class);

    /**
     * What to run.
     *
     * @param applier the applier's config, or null for an edge-only process
     * @param edge the edge's config, or null for an applier-only process
     * @param partitions partitions of each topic Cairn creates
     * @param replicationFactor replicas of each topic Cairn creates
     * @param readCache the edge's cache for repeated expensive reads ({@link ReadCache#DISABLED} for none)
     * @param checks more conditions {@code /health} requires (e.g. the embedded broker sound)
     */
    public record Spec(ApplierConfig applier, EdgeConfig edge, int partitions, short replicationFactor, ReadCache readCache,
            List<HealthCheck> checks) {
        public Spec(ApplierConfig applier, EdgeConfig edge, int partitions, short replicationFactor) {
            this(applier, edge, partitions, replicationFactor, ReadCache.DISABLED, List.of());
        }

        public Spec(ApplierConfig applier, EdgeConfig edge, int partitions, short replicationFactor, ReadCache readCache) {
            this(applier, edge, partitions, replicationFactor, readCache, List.of());
        }
    }

    private final Applier applier;
    private final QueryEdge edge;

    private CairnNode(Applier applier, QueryEdge edge) {
        this.applier = applier;
        this.edge = edge;
    }

    public static CairnNode start(Spec spec, Map<String, Object> kafkaClientProps, MeterRegistry registry) throws Exception {
        try (Admin admin = Admin.create(kafkaClientProps)) {
            List<String> created = TopicCatalog.ensureTopics(admin, spec.partitions(), spec.replicationFactor(), Duration.ofSeconds(60));
            if (!created.isEmpty()) log.info("created topics {}", created);
        }
        Applier applier = spec.applier() == null ? null : Applier.start(spec.applier(), kafkaClientProps, registry);
        QueryEdge edge = null;
        try {
            if (spec.edge() != null) {
                List<HealthCheck> checks = new ArrayList<>();
                if (applier != null) checks.add(HealthCheck.of("applier", applier::running));
                checks.addAll(spec.checks());
                edge = QueryEdge.start(spec.edge(), kafkaClientProps, checks, registry, spec.readCache());
            }
        } catch (RuntimeException e) {
            if (applier != null) applier.close();
            throw e;
        }
        return new CairnNode(applier, edge);
    }

    /** The edge's HTTP port; -1 when this node runs no edge. */
    public int httpPort() {
        return edge == null ? -1 : edge.port();
    }

    /** True when every part this node runs is up (the applier RUNNING, the edge's clients ready). */
    public boolean healthy() {
        return (edge == null || edge.healthy()) && (applier == null || applier.running());
    }

    /** Waits until {@link #healthy()} or the timeout; returns whether it became healthy. */
    public boolean awaitHealthy(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!healthy()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
        return true;
    }

    @Override
    public void close() {
        if (edge != null) edge.close();
        if (applier != null) applier.close();
    }
}
