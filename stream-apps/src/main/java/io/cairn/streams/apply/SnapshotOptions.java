package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotStore;
import java.time.Duration;
import java.util.Objects;

/**
 * How the applier keeps snapshots.
 *
 * @param store where they are stored (S3 in {@code serve}, s3proxy in {@code ./cairn dev})
 * @param everyWrites a tenant is snapshotted after this many applied writes since its last snapshot
 *     (counted in memory per applier). Default 10,000.
 * @param everyBytes ... or after about this many bytes of them (SQL and parameters). Default 64 MiB.
 * @param keep the newest snapshots kept per tenant; older ones are deleted once a newer one is recorded,
 *     except those the restore window needs (below). Default 5.
 * @param restoreWindow how far back restores, forks and as-of reads reach: besides the newest {@code keep},
 *     the newest snapshot of each day within the window and the newest one taken before it are kept
 *     ({@link SnapshotRetention}). Default 30 days.
 * @param spread besides those, up to this many snapshots of the window spread evenly over the tenant's log,
 *     so a point of a busy day replays little of it; 0: none. Default 32.
 */
public record SnapshotOptions(SnapshotStore store, int everyWrites, long everyBytes, int keep, Duration restoreWindow, int spread) {
    public static final Duration DEFAULT_RESTORE_WINDOW = Duration.ofDays(30);
    public static final int DEFAULT_SPREAD = 32;

    public SnapshotOptions {
        Objects.requireNonNull(store, "store");
        if (restoreWindow == null || restoreWindow.isNegative()) throw new IllegalArgumentException("restoreWindow must be >= 0");
        if (everyWrites < 1) throw new IllegalArgumentException("everyWrites must be >= 1");
        if (everyBytes < 1) throw new IllegalArgumentException("everyBytes must be >= 1");
        if (keep < 1) throw new IllegalArgumentException("keep must be >= 1");
        if (spread < 0) throw new IllegalArgumentException("spread must be >= 0");
    }

    /** The same policy over {@code other} (e.g. the store sealing with tenants' keys). */
    public SnapshotOptions withStore(SnapshotStore other) {
        return new SnapshotOptions(other, everyWrites, everyBytes, keep, restoreWindow, spread);
    }

    /** With the default spread. */
    public SnapshotOptions(SnapshotStore store, int everyWrites, long everyBytes, int keep, Duration restoreWindow) {
        this(store, everyWrites, everyBytes, keep, restoreWindow, DEFAULT_SPREAD);
    }

    /** With the default restore window. */
    public SnapshotOptions(SnapshotStore store, int everyWrites, long everyBytes, int keep) {
        this(store, everyWrites, everyBytes, keep, DEFAULT_RESTORE_WINDOW);
    }

    public static SnapshotOptions defaults(SnapshotStore store) {
        return new SnapshotOptions(store, SnapshotPolicy.EVERY_WRITES, SnapshotPolicy.EVERY_BYTES, 5);
    }
}
