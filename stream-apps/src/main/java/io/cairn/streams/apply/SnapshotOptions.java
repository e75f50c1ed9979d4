package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotStore;
import java.util.Objects;

/**
 * How the applier keeps snapshots.
 *
 * @param store where they are stored (S3 in {@code serve}, s3proxy in {@code ./cairn dev})
 * @param everyWrites a tenant is snapshotted after this many applied writes since its last snapshot
 *     (counted in memory per applier). Default 10,000.
 * @param everyBytes ... or after about this many bytes of them (SQL and parameters). Default 64 MiB.
 * @param keep snapshots kept per tenant; older ones are deleted once a newer one is recorded. Default 5.
 */
public record SnapshotOptions(SnapshotStore store, int everyWrites, long everyBytes, int keep) {
    public SnapshotOptions {
        Objects.requireNonNull(store, "store");
        if (everyWrites < 1) throw new IllegalArgumentException("everyWrites must be >= 1");
        if (everyBytes < 1) throw new IllegalArgumentException("everyBytes must be >= 1");
        if (keep < 1) throw new IllegalArgumentException("keep must be >= 1");
    }

    public static SnapshotOptions defaults(SnapshotStore store) {
        return new SnapshotOptions(store, SnapshotPolicy.EVERY_WRITES, SnapshotPolicy.EVERY_BYTES, 5);
    }
}
