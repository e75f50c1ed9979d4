package io.cairn.edge;

import io.cairn.edge.read.ReadCopy;
import io.cairn.edge.write.WriteGate;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.edge.restore.PastBuilder;
import io.cairn.edge.restore.RestorePoints;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.edge.http.HealthCheck;
import io.cairn.edge.read.ReadCache;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the process running the edge hands it besides its {@code EdgeConfig}.
 *
 * @param checks more conditions {@code /health} requires (e.g. the applier RUNNING)
 * @param readCache the cache for repeated expensive reads ({@link ReadCache#DISABLED} for none)
 * @param controlPlane the metadata store (DynamoDB) behind fleet listing, usage and last access; null
 *     when the process has none (those routes then answer 501 {@code not_supported})
 * @param accessWindow how often the edge reports each tenant's use to {@code cairn.tenant-access}. Default 10 s.
 * @param healthDetails figures {@code /health} shows beside its status (e.g. the materializer's lag); they
 *     never make it unhealthy
 * @param snapshots the snapshot store, for listing a tenant's snapshots; null when the process has none
 * @param pastBuilder builds a tenant's content as of a past point, for as-of reads and exports of the past;
 *     null when the process has none (those answer 501 {@code not_supported}; restores and forks, which the
 *     applier applies, work without it)
 * @param restoreWindow how far back restores, forks and as-of reads reach. Default 30 days.
 * @param keys tenants' data keys: writes and their outcomes travel sealed, a new tenant gets a key; null:
 *     no encryption
 * @param copies the copies reads may be served from, in order of preference (see {@link #withCopies}); empty:
 *     the primary hot volume alone
 * @param writeGate whether the edge may append now ({@link WriteGate#OPEN}; a standby region's refuses until promoted)
 */
public record EdgeOptions(List<HealthCheck> checks, ReadCache readCache, MetadataStore controlPlane, Duration accessWindow,
        Map<String, Supplier<Object>> healthDetails, SnapshotStore snapshots, PastBuilder pastBuilder, Duration restoreWindow, TenantKeys keys,
        List<ReadCopy.Spec> copies, WriteGate writeGate) {
    public static final Duration DEFAULT_ACCESS_WINDOW = Duration.ofSeconds(10);

    public EdgeOptions {
        checks = List.copyOf(checks);
        Objects.requireNonNull(readCache, "readCache");
        if (accessWindow.isNegative() || accessWindow.isZero()) throw new IllegalArgumentException("accessWindow must be positive");
        healthDetails = Map.copyOf(healthDetails);
        if (restoreWindow.isNegative() || restoreWindow.isZero()) throw new IllegalArgumentException("restoreWindow must be positive");
        copies = List.copyOf(copies);
        java.util.Objects.requireNonNull(writeGate, "writeGate");
        if (copies.stream().map(ReadCopy.Spec::name).distinct().count() != copies.size()) {
            throw new IllegalArgumentException("copies must have distinct names");
        }
    }

    /**
     * The copies this edge reads, in order of preference: {@link ReadCopy#PRIMARY} (the hot volume) and
     * replicas' directories (see docs/replicas.md). An edge beside a replica on a node without the hot volume
     * names that replica alone.
     */
    public EdgeOptions withCopies(List<ReadCopy.Spec> c) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, healthDetails, snapshots, pastBuilder, restoreWindow, keys, c, writeGate);
    }

    public static EdgeOptions defaults() {
        return new EdgeOptions(List.of(), ReadCache.DISABLED, null, DEFAULT_ACCESS_WINDOW, Map.of(), null, null, RestorePoints.DEFAULT_WINDOW, null,
                List.of(), WriteGate.OPEN);
    }

    public EdgeOptions withChecks(List<HealthCheck> c) {
        return new EdgeOptions(c, readCache, controlPlane, accessWindow, healthDetails, snapshots, pastBuilder, restoreWindow, keys, copies, writeGate);
    }

    public EdgeOptions withReadCache(ReadCache cache) {
        return new EdgeOptions(checks, cache, controlPlane, accessWindow, healthDetails, snapshots, pastBuilder, restoreWindow, keys, copies, writeGate);
    }

    public EdgeOptions withControlPlane(MetadataStore store) {
        return new EdgeOptions(checks, readCache, store, accessWindow, healthDetails, snapshots, pastBuilder, restoreWindow, keys, copies, writeGate);
    }

    public EdgeOptions withAccessWindow(Duration window) {
        return new EdgeOptions(checks, readCache, controlPlane, window, healthDetails, snapshots, pastBuilder, restoreWindow, keys, copies, writeGate);
    }

    public EdgeOptions withSnapshots(SnapshotStore store) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, healthDetails, store, pastBuilder, restoreWindow, keys, copies, writeGate);
    }

    public EdgeOptions withPastBuilder(PastBuilder builder) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, healthDetails, snapshots, builder, restoreWindow, keys, copies, writeGate);
    }

    public EdgeOptions withRestoreWindow(Duration window) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, healthDetails, snapshots, pastBuilder, window, keys, copies, writeGate);
    }

    public EdgeOptions withKeys(TenantKeys k) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, healthDetails, snapshots, pastBuilder, restoreWindow, k, copies, writeGate);
    }

    public EdgeOptions withWriteGate(WriteGate gate) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, healthDetails, snapshots, pastBuilder, restoreWindow, keys, copies, gate);
    }

    public EdgeOptions withHealthDetails(Map<String, Supplier<Object>> details) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, details, snapshots, pastBuilder, restoreWindow, keys, copies, writeGate);
    }
}
