package io.cairn.edge.restore;

import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.edge.read.QueryRunner;
import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a tenant's content as of a past point was last changed: the offset of its last record at or before the
 * point, when this edge can prove it, else the point itself. A tenant's content at a point is its content right
 * after that record (the partition's records in between are other tenants'), so a past copy is built for it and
 * kept under it: the build never reads the stretch of the partition after the tenant's last record, which a busy
 * neighbour can make gigabytes long, and as-of reads of many points after it share one copy.
 *
 * <p>The proof, with the hot volume's published positions ({@link CopyPositions}) saying first that the applier
 * is done with every record of the tenant through the point (its stream and its heavy lane alike):
 * <ul>
 *   <li>a hot tenant: its file, read after that, holds a position at or before the point. A record of the
 *       tenant between the two would have moved the file past it; so that position is its last record.
 *   <li>a cold tenant (no file on the hot volume): the directory has it cold, frozen with its snapshot from
 *       at or before the point, and the store has no snapshot after that one (a thaw, a write and a freeze
 *       since would have left a newer one). While a tenant is cold its snapshot is exactly its content.
 * </ul>
 * Thread-safe.
 */
public final class LastRecords implements PastCopies.LastRecord {
    private final CopyPositions.Reader positions;
    private final Function<String, Optional<TenantState>> states;
    private final QueryRunner hot;
    private final SnapshotStore store;

    /**
     * @param positions the hot volume's positions
     * @param hot reads the hot volume's files
     * @param store the snapshots of cold tenants; null: cold tenants are not looked at
     */
    public LastRecords(CopyPositions.Reader positions, Function<String, Optional<TenantState>> states, QueryRunner hot, SnapshotStore store) {
        this.positions = positions;
        this.states = states;
        this.hot = hot;
        this.store = store;
    }

    @Override
    public long atOrBefore(String tenant, Bookmark point) {
        Optional<TenantState> state = states.apply(tenant);
        if (state.isEmpty() || state.get().getPartition() != point.partition() || !heldThrough(tenant, point)) return point.offset();
        Optional<Bookmark> file = hot.heldPosition(tenant);
        if (file.isPresent()) {
            Bookmark at = file.get();
            return at.partition() == point.partition() && at.offset() <= point.offset() ? at.offset() : point.offset();
        }
        return coldSnapshot(tenant, state.get(), point);
    }

    private boolean heldThrough(String tenant, Bookmark point) {
        try {
            return positions.holds(point.partition(), tenant, point.offset() + 1);
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    /** The cold tenant's snapshot offset when it proves to be its content at the point; else the point. */
    private long coldSnapshot(String tenant, TenantState state, Bookmark point) {
        if (store == null || state.getTier() != Tier.COLD || state.getSnapshot() == null) return point.offset();
        long snapshot = state.getSnapshot().getOffset();
        if (state.getAppliedOffset() > point.offset() || snapshot > state.getAppliedOffset()) return point.offset();
        try {
            List<Long> stored = store.offsets(tenant);
            return !stored.isEmpty() && stored.getLast() == snapshot ? snapshot : point.offset();
        } catch (RuntimeException e) {
            return point.offset(); // the store is away: the build finds out and says so
        }
    }
}
