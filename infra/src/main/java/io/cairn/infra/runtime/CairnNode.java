package io.cairn.infra.runtime;

import io.cairn.connectors.keys.TenantKeys;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.edge.EdgeOptions;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.edge.http.HealthCheck;
import io.cairn.edge.QueryEdge;
import io.cairn.streams.apply.Applier;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.PastContent;
import io.cairn.streams.apply.SnapshotOptions;
import io.cairn.streams.materialize.Materializer;
import io.cairn.streams.materialize.MaterializerConfig;
import io.cairn.streams.tiering.TieringConfig;
import io.cairn.streams.tiering.TieringJob;
import io.cairn.topics.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn process: the topics ensured, then any of the applier, the materializer and the query edge,
 * wired only through Kafka, the hot volume and the control plane (the edge never reaches into the
 * applier: at scale they are separate deployments). Closing stops the edge first, so no request is
 * accepted that could not be answered.
 */
public final class CairnNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CairnNode.class);

    /**
     * What to run.
     *
     * @param applier the applier's config, or null for a process without one
     * @param edge the edge's config, or null for a process without one
     * @param materializer the materializer's config, or null for a process without one (it needs {@code controlPlane})
     * @param partitions partitions of each topic Cairn creates
     * @param replicationFactor replicas of each topic Cairn creates
     * @param edgeOptions what the edge gets besides its config (read cache, extra health checks); the
     *     node adds the applier's health, the control plane and the materializer's lag
     * @param controlPlane the metadata store (DynamoDB) the materializer writes and the edge reads, or null
     * @param snapshots how the applier keeps tenant snapshots (S3), or null for none
     * @param tiering when the tiering job freezes idle tenants, or null for no job (it needs {@code
     *     controlPlane} and {@code snapshots}); tenants can still be frozen by hand
     */
    public record Spec(ApplierConfig applier, EdgeConfig edge, MaterializerConfig materializer, int partitions,
            short replicationFactor, EdgeOptions edgeOptions, MetadataStore controlPlane, SnapshotOptions snapshots,
            TieringConfig tiering) {
        public Spec {
            if (materializer != null && controlPlane == null) throw new IllegalArgumentException("the materializer needs a control plane");
            if (tiering != null && (controlPlane == null || snapshots == null)) {
                throw new IllegalArgumentException("the tiering job needs a control plane and a snapshot store");
            }
        }

        /** Applier and/or edge only, default edge options, no control plane. */
        public Spec(ApplierConfig applier, EdgeConfig edge, int partitions, short replicationFactor) {
            this(applier, edge, null, partitions, replicationFactor, EdgeOptions.defaults(), null, null, null);
        }

        /**
         * Encrypts tenant data with {@code keys} (call after {@link #withSnapshots}): the applier opens
         * sealed records and destroys a deleted tenant's keys, the edge seals writes and gives each new
         * tenant a key, snapshots and imports are sealed. See docs/security.md.
         */
        public Spec withEncryption(TenantKeys keys) {
            return new Spec(applier == null ? null : applier.withKeys(keys), edge, materializer, partitions, replicationFactor,
                    edgeOptions.withKeys(keys), controlPlane, snapshots == null ? null : snapshots.withStore(snapshots.store().sealedWith(keys)),
                    tiering);
        }

        /** Adds the tiering job (set the control plane and snapshots first). */
        public Spec withTiering(TieringConfig config) {
            return new Spec(applier, edge, materializer, partitions, replicationFactor, edgeOptions, controlPlane, snapshots, config);
        }

        public Spec withEdgeOptions(EdgeOptions options) {
            return new Spec(applier, edge, materializer, partitions, replicationFactor, options, controlPlane, snapshots, tiering);
        }

        /** Adds a materializer with {@code config} writing to {@code store}, which the edge reads too. */
        public Spec withControlPlane(MaterializerConfig config, MetadataStore store) {
            return new Spec(applier, edge, config, partitions, replicationFactor, edgeOptions, store, snapshots, tiering);
        }

        /** Lets the applier store snapshots in {@code store}, with the default policy and retention. */
        public Spec withSnapshots(SnapshotStore store) {
            return withSnapshots(SnapshotOptions.defaults(store));
        }

        public Spec withSnapshots(SnapshotOptions options) {
            return new Spec(applier, edge, materializer, partitions, replicationFactor, edgeOptions, controlPlane, options, tiering);
        }
    }

    private final Applier applier;
    private final Materializer materializer;
    private final QueryEdge edge;
    private final TieringJob tiering;

    private CairnNode(Applier applier, Materializer materializer, QueryEdge edge, TieringJob tiering) {
        this.tiering = tiering;
        this.applier = applier;
        this.materializer = materializer;
        this.edge = edge;
    }

    public static CairnNode start(Spec spec, Map<String, Object> kafkaClientProps, MeterRegistry registry) throws Exception {
        try (Admin admin = Admin.create(kafkaClientProps)) {
            List<String> created = TopicCatalog.ensureTopics(admin, spec.partitions(), spec.replicationFactor(), Duration.ofSeconds(60));
            if (!created.isEmpty()) log.info("created topics {}", created);
        }
        List<AutoCloseable> started = new ArrayList<>();
        try {
            Applier applier = spec.applier() == null ? null : track(started, Applier.start(spec.applier(), kafkaClientProps, registry, spec.snapshots()));
            Materializer materializer = spec.materializer() == null ? null
                    : track(started, Materializer.start(spec.materializer(), spec.controlPlane(), kafkaClientProps, registry));
            QueryEdge edge = null;
            if (spec.edge() != null) {
                EdgeOptions options = spec.edgeOptions();
                List<HealthCheck> checks = new ArrayList<>();
                if (applier != null) checks.add(HealthCheck.of("applier", applier::running));
                checks.addAll(options.checks());
                Map<String, Supplier<Object>> details = new LinkedHashMap<>(options.healthDetails());
                if (materializer != null) details.put("materializer", () -> Map.of("lag_records", materializer.lag()));
                SnapshotStore store = spec.snapshots() == null ? null : spec.snapshots().store();
                // As-of reads and past exports build with the applier's own replay code and settings.
                PastContent past = new PastContent(kafkaClientProps, spec.applier() != null ? spec.applier()
                        : ApplierConfig.primary(spec.edge().hotDir()), store, registry);
                edge = QueryEdge.start(spec.edge(), kafkaClientProps, registry,
                        options.withChecks(checks).withHealthDetails(details).withControlPlane(spec.controlPlane())
                                .withSnapshots(store).withPastBuilder(past::build)
                                .withRestoreWindow(spec.snapshots() == null ? options.restoreWindow() : spec.snapshots().restoreWindow()));
            }
            TieringJob tiering = spec.tiering() == null ? null
                    : track(started, TieringJob.start(spec.controlPlane(), spec.tiering(), kafkaClientProps, registry));
            return new CairnNode(applier, materializer, edge, tiering);
        } catch (Exception e) {
            for (AutoCloseable c : started.reversed()) c.close();
            throw e;
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> started, T part) {
        started.add(part);
        return part;
    }

    /** The edge's HTTP port; -1 when this node runs no edge. */
    public int httpPort() {
        return edge == null ? -1 : edge.port();
    }

    /** True when every part this node runs is up (the applier and materializer RUNNING, the edge's clients ready). */
    public boolean healthy() {
        return (edge == null || edge.healthy()) && (applier == null || applier.running())
                && (materializer == null || materializer.running());
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
        if (tiering != null) tiering.close();
        if (edge != null) edge.close();
        if (materializer != null) materializer.close();
        if (applier != null) applier.close();
    }

    /** The materializer of this node, or null. */
    public Materializer materializer() {
        return materializer;
    }
}
