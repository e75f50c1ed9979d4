package io.cairn.infra.runtime;

import io.cairn.connectors.keys.TenantKeys;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.edge.EdgeOptions;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.edge.http.HealthCheck;
import io.cairn.edge.restore.PastBuilder;
import io.cairn.edge.QueryEdge;
import io.cairn.streams.apply.Applier;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.ErasedContentException;
import io.cairn.streams.apply.PastContent;
import io.cairn.streams.apply.SnapshotOptions;
import io.cairn.streams.materialize.Materializer;
import io.cairn.streams.materialize.MaterializerConfig;
import io.cairn.streams.tiering.TieringConfig;
import io.cairn.streams.tiering.TieringJob;
import io.cairn.topics.RegionRole;
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
     * @param region the region's role as configured: in a {@link RegionRole#STANDBY} the edge takes no writes and
     *     the applier appends nothing to the log (no snapshots, no tiering job), until {@code cairn.region} says
     *     it was promoted
     */
    public record Spec(ApplierConfig applier, EdgeConfig edge, MaterializerConfig materializer, int partitions,
            short replicationFactor, EdgeOptions edgeOptions, MetadataStore controlPlane, SnapshotOptions snapshots,
            TieringConfig tiering, RegionRole region) {
        public Spec {
            if (materializer != null && controlPlane == null) throw new IllegalArgumentException("the materializer needs a control plane");
            java.util.Objects.requireNonNull(region, "region");
            if (tiering != null && (controlPlane == null || snapshots == null)) {
                throw new IllegalArgumentException("the tiering job needs a control plane and a snapshot store");
            }
        }

        /** Applier and/or edge only, default edge options, no control plane. */
        public Spec(ApplierConfig applier, EdgeConfig edge, int partitions, short replicationFactor) {
            this(applier, edge, null, partitions, replicationFactor, EdgeOptions.defaults(), null, null, null, RegionRole.PRIMARY);
        }

        /**
         * Encrypts tenant data with {@code keys} (call after {@link #withSnapshots}): the applier opens
         * sealed records and destroys a deleted tenant's keys, the edge seals writes and gives each new
         * tenant a key, snapshots and imports are sealed. See docs/security.md.
         */
        public Spec withEncryption(TenantKeys keys) {
            return new Spec(applier == null ? null : applier.withKeys(keys), edge, materializer, partitions, replicationFactor,
                    edgeOptions.withKeys(keys), controlPlane, snapshots == null ? null : snapshots.withStore(snapshots.store().sealedWith(keys)),
                    tiering, region);
        }

        /** Adds the tiering job (set the control plane and snapshots first). */
        public Spec withTiering(TieringConfig config) {
            return new Spec(applier, edge, materializer, partitions, replicationFactor, edgeOptions, controlPlane, snapshots, config, region);
        }

        /** The applier's settings, adjusted. */
        public Spec withApplier(java.util.function.UnaryOperator<ApplierConfig> adjust) {
            return new Spec(adjust.apply(applier), edge, materializer, partitions, replicationFactor, edgeOptions, controlPlane, snapshots,
                    tiering, region);
        }

        /** The edge's settings, adjusted (a process without an edge has none to adjust). */
        public Spec withEdge(java.util.function.UnaryOperator<EdgeConfig> adjust) {
            return new Spec(applier, edge == null ? null : adjust.apply(edge), materializer, partitions, replicationFactor, edgeOptions,
                    controlPlane, snapshots, tiering, region);
        }

        public Spec withEdgeOptions(EdgeOptions options) {
            return new Spec(applier, edge, materializer, partitions, replicationFactor, options, controlPlane, snapshots, tiering, region);
        }

        /** Adds a materializer with {@code config} writing to {@code store}, which the edge reads too. */
        public Spec withControlPlane(MaterializerConfig config, MetadataStore store) {
            return new Spec(applier, edge, config, partitions, replicationFactor, edgeOptions, store, snapshots, tiering, region);
        }

        /** Lets the applier store snapshots in {@code store}, with the default policy and retention. */
        public Spec withSnapshots(SnapshotStore store) {
            return withSnapshots(SnapshotOptions.defaults(store));
        }

        /** Runs this node in a region of the given role (docs/replicas.md, "Standby region"). */
        public Spec withRegion(RegionRole role) {
            return new Spec(applier, edge, materializer, partitions, replicationFactor, edgeOptions, controlPlane, snapshots, tiering, role);
        }

        public Spec withSnapshots(SnapshotOptions options) {
            return new Spec(applier, edge, materializer, partitions, replicationFactor, edgeOptions, controlPlane, options, tiering, region);
        }
    }

    private final Spec spec;
    private final Map<String, Object> kafkaClientProps;
    private final MeterRegistry registry;
    private volatile Applier applier;
    private Materializer materializer;
    private QueryEdge edge;
    private volatile TieringJob tiering;
    private RegionWatch region;

    /** The cluster named by the configuration did not answer: a setting or the network, not a defect. */
    public static final class KafkaUnreachable extends IllegalStateException {
        KafkaUnreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private CairnNode(Spec spec, Map<String, Object> kafkaClientProps, MeterRegistry registry) {
        this.spec = spec;
        this.kafkaClientProps = kafkaClientProps;
        this.registry = registry;
    }

    public static CairnNode start(Spec spec, Map<String, Object> kafkaClientProps, MeterRegistry registry) throws Exception {
        Object bootstrap = kafkaClientProps.get("bootstrap.servers");
        log.info("connecting to Kafka at {} (kafka.bootstrap_servers)", bootstrap);
        try (Admin admin = Admin.create(kafkaClientProps)) {
            List<String> created = TopicCatalog.ensureTopics(admin, spec.partitions(), spec.replicationFactor(), Duration.ofSeconds(60));
            if (!created.isEmpty()) log.info("created topics {}", created);
        } catch (java.util.concurrent.TimeoutException | IllegalStateException e) {
            // Named: the bare client error ("Timed out waiting for a node assignment") said neither what nor where.
            throw new KafkaUnreachable("Kafka at " + bootstrap + " (kafka.bootstrap_servers) did not answer within 60 s ("
                    + e.getMessage() + "); check the address, the network and the cluster's security settings (kafka.*)", e);
        }
        CairnNode node = new CairnNode(spec, kafkaClientProps, registry);
        try {
            node.startParts();
        } catch (Exception e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void startParts() throws Exception {
        String stack = io.cairn.tenantdb.sqlite.ThreadStacks.problem();
        if (stack != null && (spec.applier() != null || spec.edge() != null)) log.warn("{}", stack);
        if (spec.region() == RegionRole.STANDBY) {
            region = RegionWatch.start(kafkaClientProps, RegionRole.STANDBY, role -> {
                if (role == RegionRole.PRIMARY) promoted();
            });
            // Recorded, so that `cairn promote` can tell a standby from a primary (it refuses to "promote" a primary).
            if (!region.recorded()) RegionWatch.record(kafkaClientProps, RegionRole.STANDBY);
            if (standby()) log.info("this region is a standby: the edge takes no writes and the applier appends nothing until promoted");
        }
        if (spec.applier() != null) applier = startApplier();
        materializer = spec.materializer() == null ? null : Materializer.start(spec.materializer(), spec.controlPlane(), kafkaClientProps, registry);
        if (spec.edge() != null) {
            EdgeOptions options = spec.edgeOptions();
            List<HealthCheck> checks = new ArrayList<>();
            if (spec.applier() != null) checks.add(HealthCheck.of("applier", () -> applier != null && applier.running()));
            checks.addAll(options.checks());
            Map<String, Supplier<Object>> details = new LinkedHashMap<>(options.healthDetails());
            if (materializer != null) details.put("materializer", () -> Map.of("lag_records", materializer.lag()));
            if (spec.applier() != null) details.put("applier", this::applierDetail);
            if (region != null) details.put("region", () -> Map.of("role", region.role().name().toLowerCase(java.util.Locale.ROOT)));
            SnapshotStore store = spec.snapshots() == null ? null : spec.snapshots().store();
            // As-of reads and past exports build with the applier's own replay code and settings.
            PastContent past = new PastContent(kafkaClientProps, spec.applier() != null ? spec.applier()
                    : ApplierConfig.primary(spec.edge().hotDir()), store, registry);
            options = options.withChecks(checks).withHealthDetails(details).withControlPlane(spec.controlPlane())
                    .withSnapshots(store).withPastBuilder((tenant, partition, created, last, dir) -> {
                        try {
                            return past.build(tenant, partition, created, last, dir);
                        } catch (ErasedContentException e) {
                            throw new PastBuilder.ErasedException(e.getMessage(), e.ownRecordsErased().contains(tenant), e);
                        }
                    })
                    .withRestoreWindow(spec.snapshots() == null ? options.restoreWindow() : spec.snapshots().restoreWindow());
            if (region != null) {
                options = options.withWriteGate(() -> standby() ? "this region is a standby: it serves what was mirrored from the primary"
                        + " region and takes no write until it is promoted (cairn promote); write to the primary region" : null);
            }
            edge = QueryEdge.start(spec.edge(), kafkaClientProps, registry, options);
            tellOutcomesToEdge(applier);
        }
        if (!standby() && spec.tiering() != null) tiering = TieringJob.start(spec.controlPlane(), spec.tiering(), kafkaClientProps, registry);
    }

    /**
     * {@code /health}'s {@code details.applier} while the applier waits out a failure of the machine (a full volume,
     * say): since when and why; null (left out) otherwise. Never fails the check: reads go on meanwhile.
     */
    private Object applierDetail() {
        Applier a = applier;
        if (a == null) return null;
        return a.stalled().map(s -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("retrying_ms", Math.max(0, System.currentTimeMillis() - s.sinceMs()));
            out.put("since", java.time.Instant.ofEpochMilli(s.sinceMs()).toString());
            out.put("failure", s.reason());
            return out;
        }).orElse(null);
    }

    private boolean standby() {
        return region != null && region.role() == RegionRole.STANDBY;
    }

    /**
     * The applier: in a standby region it applies the mirrored log and publishes outcomes and states like any
     * primary, but appends nothing to the log, which is the mirror's alone (a record of its own would set the
     * regions' offsets apart): no snapshots, so no freezes and no retention guard, until promoted.
     */
    private Applier startApplier() throws Exception {
        if (spec.snapshots() != null) { // a new replica starts from the snapshots rather than from offset 0
            io.cairn.streams.apply.ReplicaBootstrap.seedIfNew(spec.applier(), kafkaClientProps, spec.snapshots().store(), registry);
        }
        return Applier.start(spec.applier(), kafkaClientProps, registry, standby() ? null : spec.snapshots());
    }

    /**
     * The region was promoted: the edge's gate is open already (it reads the same role); the applier restarts
     * with its snapshots (it was publishing outcomes all along, so no write waits on it), the tiering job starts.
     */
    private synchronized void promoted() {
        log.info("this region was promoted: the edge takes writes{}", spec.snapshots() != null ? "; the applier restarts with its snapshots" : "");
        if (applier != null && spec.snapshots() != null) {
            Applier before = applier;
            applier = startApplierAfter(before);
            tellOutcomesToEdge(applier);
        }
        if (spec.tiering() != null && tiering == null) tiering = TieringJob.start(spec.controlPlane(), spec.tiering(), kafkaClientProps, registry);
    }

    /**
     * The node's edge learns each outcome of its own applier as soon as the applier commits it, not a broker round trip
     * later: a write whose tenant this node applies is answered sooner (io.cairn.streams.apply.LocalOutcomes).
     */
    private void tellOutcomesToEdge(Applier a) {
        QueryEdge e = edge;
        if (a != null && e != null) a.tellOutcomesTo(e::outcomeCommittedHere);
    }

    private Applier startApplierAfter(Applier before) {
        before.close(); // commits what it applied and leaves the group: the new one resumes there
        try {
            return startApplier();
        } catch (Exception e) {
            throw new IllegalStateException("the applier could not start again as the primary", e);
        }
    }

    /** The edge's HTTP port; -1 when this node runs no edge. */
    public int httpPort() {
        return edge == null ? -1 : edge.port();
    }

    /** True when every part this node runs is up (the applier and materializer RUNNING, the edge's clients ready). */
    public boolean healthy() {
        return (edge == null || edge.healthy()) && (spec.applier() == null || (applier != null && applier.running()))
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
        if (region != null) region.close();
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
