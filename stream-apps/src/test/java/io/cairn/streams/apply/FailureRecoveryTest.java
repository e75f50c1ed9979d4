package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.connectors.snapshot.SnapshotCorruptException;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.connectors.snapshot.SnapshotUnavailableException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Which failures are waited out and which, repeated, set a record aside: a record may be skipped only where every copy would skip it. */
class FailureRecoveryTest {
    @Test
    void aSnapshotStoreThatFailsOrIsMissingIsWaitedOutNeverAVerdictOnTheRecord() {
        assertThat(FailureRecovery.classify(new SnapshotStoreException("import", "acme", -1, "no store in this process", null)))
                .isEqualTo(FailureRecovery.Kind.MACHINE);
        assertThat(FailureRecovery.classify(new SQLException("applying", new SnapshotStoreException("get", "acme", 7, "503", null))))
                .as("wrapped").isEqualTo(FailureRecovery.Kind.MACHINE);
        assertThat(FailureRecovery.classify(new SnapshotUnavailableException("get", "acme", 7, "connection refused", null)))
                .isEqualTo(FailureRecovery.Kind.MACHINE);
    }

    @Test
    void aCorruptObjectIsTheSameForEveryCopyAndIsNotWaitedFor() {
        assertThat(FailureRecovery.classify(new SnapshotCorruptException("import", "acme", -1, "sha256 differs", null)))
                .isEqualTo(FailureRecovery.Kind.UNKNOWN);
        assertThat(FailureRecovery.classify(new SQLException("tenant acme: import x is not in the snapshot store")))
                .isEqualTo(FailureRecovery.Kind.UNKNOWN);
    }
}
