package io.cairn.streams.apply;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The heavy lane's {@link SnapshotRequests}: a snapshot asked for while a record is applied (a
 * {@code TakeSnapshot} deferred behind the tenant's heavy record, a fork's first snapshot) is handed on
 * only once the lane committed and synced the record, so the copy holds it; the lane commits after the
 * record, never inside it. A freeze likewise: its snapshot is taken once the lane committed, and the
 * {@code Frozen} that follows makes the tenant cold where it is applied on the stream thread (in the lane it is
 * only recorded, and the tiering job asks again). A freeze dropped here left large tenants hot for 10 minutes
 * after a restart: their first record, the tiering job's Freeze, came to the lane with the file's first check.
 * One per lane worker: not thread-safe.
 */
final class AfterCommitSnapshots implements SnapshotRequests {
    private final SnapshotRequests target;
    private final Set<String> asked = new LinkedHashSet<>();
    private final Set<String> freezing = new LinkedHashSet<>();

    AfterCommitSnapshots(SnapshotRequests target) {
        this.target = target;
    }

    @Override
    public boolean available() {
        return target.available();
    }

    @Override
    public void request(String tenant) {
        if (target.available()) asked.add(tenant);
    }

    @Override
    public void freeze(String tenant) {
        if (target.available()) freezing.add(tenant);
    }

    /** At once: the delete is in the log for good, and only snapshots from before it go. */
    @Override
    public void deleted(String tenant, long deleteOffset) {
        target.deleted(tenant, deleteOffset);
    }

    /** The records asked for are committed and synced: their snapshots may be taken. */
    void committed() {
        if (!asked.isEmpty()) FaultPoints.reach(FaultPoints.LANE_COMMITTED);
        for (String tenant : asked) target.request(tenant);
        for (String tenant : freezing) target.freeze(tenant);
        asked.clear();
        freezing.clear();
    }

    /** The records were rolled back: what they asked for goes with them (they are applied again). */
    void aborted() {
        asked.clear();
        freezing.clear();
    }
}
