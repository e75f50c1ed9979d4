package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.connectors.snapshot.SnapshotCorruptException;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.connectors.snapshot.SnapshotUnavailableException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

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

    @Test
    void aFailureOfTheMachineBeingWaitedOutIsShownUntilAGroupCommitsAgainWithoutNamingTheTenant() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ApplierMetrics metrics = new ApplierMetrics(registry);
        FailureRecovery recovery = new FailureRecovery(null, metrics);
        assertThat(metrics.stalls().oldest()).isEmpty();
        assertThat(registry.get("cairn.applier.retrying").timeGauge().value()).isZero();

        recovery.handle(new FailureRecovery.ApplyFailed(null, "acme", new SQLiteException(
                "[SQLITE_FULL] Insertion failed because database is full (database or disk is full)", SQLiteErrorCode.SQLITE_FULL)));
        assertThat(metrics.stalls().oldest()).hasValueSatisfying(s -> {
            assertThat(s.reason()).contains("SQLITE_FULL").doesNotContain("acme");
            assertThat(s.sinceMs()).isLessThanOrEqualTo(System.currentTimeMillis());
        });
        recovery.handle(new FailureRecovery.ApplyFailed(null, "acme", new IOException("/hot/ac/acme.db: No space left on device")));
        assertThat(metrics.stalls().oldest()).hasValueSatisfying(s -> assertThat(s.reason()).startsWith("IOException").doesNotContain("acme"));
        assertThat(registry.get("cairn.applier.retrying").timeGauge().value()).isGreaterThanOrEqualTo(0);

        recovery.recovered();
        assertThat(metrics.stalls().oldest()).isEmpty();
        assertThat(registry.get("cairn.applier.retrying").timeGauge().value()).isZero();
    }
}
