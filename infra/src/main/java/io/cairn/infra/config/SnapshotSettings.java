package io.cairn.infra.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cairn.streams.apply.SnapshotOptions;
import java.net.URI;
import java.util.Objects;

/**
 * Where the applier stores tenant snapshots, in {@code cairn.yaml}: an S3 bucket.
 *
 * @param bucket the bucket (required); it must exist, Cairn does not create it
 * @param region AWS region of the bucket (required)
 * @param endpoint an endpoint override (a VPC endpoint, or an S3-protocol server such as s3proxy;
 *     path-style addressing); default: the region's
 * @param everyWrites a tenant is snapshotted after this many applied writes since its last one. Default 10,000.
 * @param everyMegabytes ... or after about this many MiB of them (SQL and parameters). Default 64.
 * @param keep the newest snapshots kept per tenant (besides those the restore window needs). Default 5.
 * @param restoreWindow how far back restores, forks and as-of reads reach, e.g. {@code 30d}: a snapshot per
 *     day within it is kept, and a point before it is refused. Default 30d.
 * @param spread besides those, up to this many snapshots within the window spread evenly over the tenant's
 *     log, so a restore or as-of read of a point in a busy day replays little of it; 0: none. Default 32.
 */
public record SnapshotSettings(
        @JsonProperty("bucket") String bucket,
        @JsonProperty("region") String region,
        @JsonProperty("endpoint") String endpoint,
        @JsonProperty("every_writes") Integer everyWrites,
        @JsonProperty("every_megabytes") Integer everyMegabytes,
        @JsonProperty("keep") Integer keep,
        @JsonProperty("restore_window") String restoreWindow,
        @JsonProperty("spread") Integer spread) {

    public SnapshotSettings {
        Objects.requireNonNull(bucket, "snapshots.bucket is required");
        Objects.requireNonNull(region, "snapshots.region is required");
        everyWrites = everyWrites == null ? 10_000 : everyWrites;
        keep = keep == null ? 5 : keep;
        everyMegabytes = everyMegabytes == null ? 64 : everyMegabytes;
        if (everyMegabytes < 1) throw new IllegalArgumentException("snapshots.every_megabytes must be >= 1");
        if (everyWrites < 1) throw new IllegalArgumentException("snapshots.every_writes must be >= 1");
        if (keep < 1) throw new IllegalArgumentException("snapshots.keep must be >= 1");
        spread = spread == null ? SnapshotOptions.DEFAULT_SPREAD : spread;
        if (spread < 0) throw new IllegalArgumentException("snapshots.spread must be >= 0");
        Endpoints.check("snapshots.endpoint", endpoint);
        restoreWindow = restoreWindow == null ? "30d" : restoreWindow;
        java.time.Duration window = Durations.parse("snapshots.restore_window", restoreWindow);
        if (window.isZero() || window.isNegative()) throw new IllegalArgumentException("snapshots.restore_window must be positive");
    }

    /** The restore window as a duration. */
    public java.time.Duration restoreWindowDuration() {
        return Durations.parse("snapshots.restore_window", restoreWindow);
    }

    public URI endpointUri() {
        return Endpoints.uri(endpoint);
    }
}
