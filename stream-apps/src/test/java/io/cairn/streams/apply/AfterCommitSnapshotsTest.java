package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The heavy lane hands on what its records asked of the snapshotter once they are committed, freezes included: a Freeze
 * applied in the lane was dropped, and a large tenant whose first record after a restart was the tiering job's Freeze
 * (sent to the lane with its file's first check) stayed hot until the job asked again 10 minutes later (outside re-test).
 */
class AfterCommitSnapshotsTest {
    private final List<String> handed = new ArrayList<>();
    private final SnapshotRequests snapshotter = new SnapshotRequests() {
        @Override
        public boolean available() {
            return true;
        }

        @Override
        public void request(String tenant) {
            handed.add("snapshot " + tenant);
        }

        @Override
        public void freeze(String tenant) {
            handed.add("freeze " + tenant);
        }
    };

    @Test
    void aFreezeAndASnapshotAskedInTheLaneAreHandedOnOnceCommittedAndDroppedWhenRolledBack() {
        AfterCommitSnapshots lane = new AfterCommitSnapshots(snapshotter);
        lane.freeze("big");
        lane.request("fork");
        assertThat(handed).as("nothing before the commit").isEmpty();
        lane.committed();
        assertThat(handed).containsExactly("snapshot fork", "freeze big");

        lane.freeze("again");
        lane.aborted();
        lane.committed();
        assertThat(handed).as("a rolled-back record's freeze goes with it").hasSize(2);
    }
}
