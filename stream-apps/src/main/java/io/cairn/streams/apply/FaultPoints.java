package io.cairn.streams.apply;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named steps of a freeze, a thaw and a restore where the fault suite stops the applier dead, as a SIGKILL landing
 * exactly there would: run with {@code -Dcairn.fault.halt-at=<name>} and the process halts (no shutdown
 * hook, no finally block) the first time it reaches that step. Without the property nothing happens.
 */
final class FaultPoints {
    /** The freeze's snapshot is stored and read back; its Frozen record is not yet on the log. */
    static final String SNAPSHOT_STORED = "snapshot.stored";
    /** The group holding Frozen committed; the cold tail is not recorded, the file not removed. */
    static final String FREEZE_COMMITTED = "freeze.committed";
    /** The file is removed; the cold state is not yet emitted. */
    static final String FREEZE_REMOVED = "freeze.removed";
    /** The thaw has the file in scratch (the snapshot downloaded and verified); it is not yet in place. */
    static final String THAW_DOWNLOADED = "thaw.downloaded";
    /** The file is in place; its cold tail may not be applied yet (it is applied there when only Cairn's records are in it). */
    static final String THAW_PLACED = "thaw.placed";
    /** The file is in place with its cold tail applied; the tail is not yet forgotten and the record not applied. */
    static final String THAW_TAIL_APPLIED = "thaw.tail-applied";
    /** A restore's content is built in scratch, with the tenant's own tables; it is not yet in place. */
    static final String RESTORE_BUILT = "restore.built";
    /** The restored content is in place; the RestoreFrom's position is not yet committed. */
    static final String RESTORE_PLACED = "restore.placed";
    /**
     * The heavy lane committed and synced records that ask for snapshots (a restore, fork or import, a deferred
     * {@code TakeSnapshot}); the snapshots are not yet asked for.
     */
    static final String LANE_COMMITTED = "lane.committed";

    private static final Logger log = LoggerFactory.getLogger(FaultPoints.class);
    private static final String HALT_AT = System.getProperty("cairn.fault.halt-at");

    private FaultPoints() {}

    static void reach(String step) {
        if (HALT_AT != null && HALT_AT.equals(step)) {
            log.error("fault injection: halting at {}", step);
            Runtime.getRuntime().halt(137);
        }
    }
}
