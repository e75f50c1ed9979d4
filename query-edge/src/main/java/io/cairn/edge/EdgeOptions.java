package io.cairn.edge;

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
 */
public record EdgeOptions(List<HealthCheck> checks, ReadCache readCache, MetadataStore controlPlane, Duration accessWindow,
        Map<String, Supplier<Object>> healthDetails, SnapshotStore snapshots) {
    public static final Duration DEFAULT_ACCESS_WINDOW = Duration.ofSeconds(10);

    public EdgeOptions {
        checks = List.copyOf(checks);
        Objects.requireNonNull(readCache, "readCache");
        if (accessWindow.isNegative() || accessWindow.isZero()) throw new IllegalArgumentException("accessWindow must be positive");
        healthDetails = Map.copyOf(healthDetails);
    }

    public static EdgeOptions defaults() {
        return new EdgeOptions(List.of(), ReadCache.DISABLED, null, DEFAULT_ACCESS_WINDOW, Map.of(), null);
    }

    public EdgeOptions withChecks(List<HealthCheck> c) {
        return new EdgeOptions(c, readCache, controlPlane, accessWindow, healthDetails, snapshots);
    }

    public EdgeOptions withReadCache(ReadCache cache) {
        return new EdgeOptions(checks, cache, controlPlane, accessWindow, healthDetails, snapshots);
    }

    public EdgeOptions withControlPlane(MetadataStore store) {
        return new EdgeOptions(checks, readCache, store, accessWindow, healthDetails, snapshots);
    }

    public EdgeOptions withAccessWindow(Duration window) {
        return new EdgeOptions(checks, readCache, controlPlane, window, healthDetails, snapshots);
    }

    public EdgeOptions withSnapshots(SnapshotStore store) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, healthDetails, store);
    }

    public EdgeOptions withHealthDetails(Map<String, Supplier<Object>> details) {
        return new EdgeOptions(checks, readCache, controlPlane, accessWindow, details, snapshots);
    }
}
