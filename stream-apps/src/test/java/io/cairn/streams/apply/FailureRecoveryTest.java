package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    /**
     * The applier's own work (recording the heavy lane's records in the hot volume's registry) failing for a full
     * volume is waited out as a record's failure is, and shown; it was a replaced thread. Anything else is Streams'.
     */
    @Test
    void theAppliersOwnWorkFailingForTheMachineIsWaitedOutAndAnythingElseGoesToStreams() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ApplierMetrics metrics = new ApplierMetrics(registry);
        FailureRecovery recovery = new FailureRecovery(null, metrics);
        recovery.handleOwn(new FailureRecovery.ApplyFailed("recording the heavy lane's records", new SQLiteException(
                "[SQLITE_FULL] Insertion failed because database is full (database or disk is full)", SQLiteErrorCode.SQLITE_FULL)));
        assertThat(metrics.stalls().oldest()).hasValueSatisfying(s -> assertThat(s.reason()).contains("SQLITE_FULL"));
        recovery.recovered();
        assertThat(metrics.stalls().oldest()).isEmpty();

        assertThatThrownBy(() -> recovery.handleOwn(new FailureRecovery.ApplyFailed("recording the heavy lane's records",
                new SQLiteException("[SQLITE_CONSTRAINT] UNIQUE constraint failed", SQLiteErrorCode.SQLITE_CONSTRAINT))))
                .isInstanceOf(org.apache.kafka.streams.errors.StreamsException.class).hasMessageContaining("heavy lane");
    }

    /**
     * A file shorter than its own headers say (a WAL lost under the shared index another connection holds) is the file's
     * damage, rebuilt from the log: waited out as the machine's, it held every tenant's writes until a restart.
     */
    @Test
    void aShortReadIsTheFilesDamageNotTheMachines() {
        assertThat(FailureRecovery.classify(new SQLiteException("[SQLITE_IOERR_SHORT_READ] The VFS layer was unable to obtain as many bytes"
                + " as was requested (disk I/O error)", SQLiteErrorCode.SQLITE_IOERR_SHORT_READ))).isEqualTo(FailureRecovery.Kind.DAMAGED);
        assertThat(FailureRecovery.classify(new SQLiteException("[SQLITE_IOERR_READ] disk I/O error", SQLiteErrorCode.SQLITE_IOERR_READ)))
                .as("the disk failing a read stays the machine's").isEqualTo(FailureRecovery.Kind.MACHINE);
    }

    /** A file that cannot be written now (an immutable flag, permissions, a read-only mount) is the machine's state: waited out, never quarantined. */
    @Test
    void aFileThatCannotBeWrittenNowIsTheMachinesFailure() {
        assertThat(FailureRecovery.classify(new SQLiteException("[SQLITE_READONLY] Attempt to write a readonly database (attempt to write a"
                + " readonly database)", SQLiteErrorCode.SQLITE_READONLY))).isEqualTo(FailureRecovery.Kind.MACHINE);
        assertThat(FailureRecovery.classify(new SQLiteException("[SQLITE_READONLY_DBMOVED] ...", SQLiteErrorCode.SQLITE_READONLY_DBMOVED)))
                .isEqualTo(FailureRecovery.Kind.MACHINE);
        assertThat(FailureRecovery.classify(new SQLiteException("[SQLITE_PERM] Access permission denied", SQLiteErrorCode.SQLITE_PERM)))
                .isEqualTo(FailureRecovery.Kind.MACHINE);
        assertThat(FailureRecovery.classify(new SQLiteException("[SQLITE_AUTH] not authorized", SQLiteErrorCode.SQLITE_AUTH)))
                .as("Cairn's own refusal of a statement stays the statement's").isEqualTo(FailureRecovery.Kind.UNKNOWN);
    }

    /**
     * A record redelivered after a rebalance or a restart that the file holds already is skipped whatever it fails
     * with now: quarantined, its dead letter made every replay (a heal, a rebuild) drop an acknowledged write.
     */
    @Test
    void aRecordTheFileHoldsAlreadyIsNeverQuarantined(@org.junit.jupiter.api.io.TempDir java.nio.file.Path hot) {
        TenantDatabasePool pool = new TenantDatabasePool(new io.cairn.tenantdb.sqlite.TenantFiles(hot),
                io.cairn.tenantdb.sqlite.SqliteLimits.WRITE_DEFAULTS, 4);
        TenantRecovery recovery = new TenantRecovery(pool, null, new SimpleMeterRegistry());
        recovery.committed(java.util.Map.of("acme", 41L));
        var command = Commands.execute("acme", "INSERT INTO t VALUES (1)");
        assertThat(FailureRecovery.appliedBefore(recovery, new ApplyProcessor.LogRecord(command, new io.cairn.topics.Bookmark(1, 41))))
                .isTrue();
        assertThat(FailureRecovery.appliedBefore(recovery, new ApplyProcessor.LogRecord(command, new io.cairn.topics.Bookmark(1, 42))))
                .isFalse();
        assertThat(FailureRecovery.appliedBefore(recovery, new ApplyProcessor.LogRecord(Commands.execute("bob", "SELECT 1"),
                new io.cairn.topics.Bookmark(1, 3)))).as("nothing known of bob").isFalse();
        pool.close();
    }
}
