package io.cairn.streams.apply;

import io.cairn.topics.avro.ExecuteBatch;

/**
 * Where the applier hands a tenant to be snapshotted once a {@code TakeSnapshot} (or {@code Freeze})
 * record of it is applied and committed. Taking the copy and storing it happen elsewhere, off the stream thread.
 */
interface SnapshotRequests {
    /** For appliers with nothing to act on: log replays (the snapshots they meet exist already), and a lane without a store. */
    SnapshotRequests IGNORED = new SnapshotRequests() {
        @Override
        public boolean available() {
            return true;
        }

        @Override
        public void request(String tenant) {}

        @Override
        public void freeze(String tenant) {}
    };

    /** A deployment without a snapshot store: {@code TakeSnapshot} fails with {@code not_supported}. */
    SnapshotRequests UNAVAILABLE = new SnapshotRequests() {
        @Override
        public boolean available() {
            return false;
        }

        @Override
        public void request(String tenant) {
            throw new IllegalStateException("no snapshot store");
        }

        @Override
        public void freeze(String tenant) {
            throw new IllegalStateException("no snapshot store");
        }
    };

    /** Whether snapshots can be taken at all (a snapshot store is configured). */
    boolean available();

    /** Snapshots the tenant soon; returns at once. A request for a tenant already waiting joins it. */
    void request(String tenant);

    /**
     * Snapshots the tenant for a freeze soon; returns at once. Once the snapshot is stored and read back
     * intact, a {@code Frozen} record (instead of {@code SnapshotTaken}) carries it to the log. Joins a
     * request already waiting, turning it into a freeze.
     */
    void freeze(String tenant);

    /**
     * The tenant was deleted by the record at {@code deleteOffset} (its tombstone is on the hot volume): its
     * snapshots from before it are removed from the store soon; returns at once.
     */
    default void deleted(String tenant, long deleteOffset) {}

    /** A write of the tenant was applied: the snapshot policy counts it (and may request a snapshot). */
    default void applied(String tenant, ExecuteBatch write) {}
}
