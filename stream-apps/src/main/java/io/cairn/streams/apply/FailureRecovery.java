package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.IntegrityCheck;
import io.cairn.tenantdb.sqlite.SqliteErrors;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.seal.KeyUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.errors.StreamsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the applier does when applying or committing fails otherwise than by a record's own verdict.
 * The open group has been rolled back; the failure is sorted by what caused it, then the group is
 * applied again:
 *
 * <ul>
 *   <li><b>machine</b> (I/O errors, a full volume, a lock held elsewhere, memory): waited out with
 *       backoff, 50 ms doubling to 5 s, for up to {@link #MAX_RETRYING}; then the failure goes to
 *       Streams, which replaces the thread and redelivers from the last committed offset. Never a
 *       verdict: a replay on a healthy machine would not meet it.</li>
 *   <li><b>damaged</b> (SQLITE_CORRUPT, SQLITE_NOTADB): the tenant's file is set aside and rebuilt
 *       from the log when the group is applied again ({@link TenantRecovery}).</li>
 *   <li><b>unknown</b> (anything else, e.g. a driver error on a strange statement): the record is
 *       tried again; after {@link #QUARANTINE_AFTER} failures it is quarantined: nothing of it is
 *       applied, it gets a failed outcome ({@code internal}) and a dead letter on
 *       {@code cairn.dead-letters}, which replays honour, and {@code cairn.applier.quarantined} counts
 *       it (an operator's alarm).</li>
 * </ul>
 *
 * <p>Confined to the stream thread of its task.
 */
final class FailureRecovery {
    /** Failures of one record, for no reason this applier knows, before it is quarantined. */
    static final int QUARANTINE_AFTER = 3;
    /** How long the machine's failures are waited out before the thread is handed back to Streams (below {@code max.poll.interval.ms}). */
    static final Duration MAX_RETRYING = Duration.ofMinutes(4);
    static final Outcome.Failed QUARANTINED = new Outcome.Failed(ErrorCode.INTERNAL,
            "this write could not be applied and was set aside for an operator; it changed nothing", null);

    private static final Logger log = LoggerFactory.getLogger(FailureRecovery.class);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Applying a record, or committing the group, failed; {@code record} is null for a commit. */
    static final class ApplyFailed extends RuntimeException {
        private final ApplyProcessor.LogRecord record;
        private final String tenant;

        ApplyFailed(ApplyProcessor.LogRecord record, String tenant, Exception cause) {
            super((record == null ? "commit" : "record " + record.position()) + " of tenant " + tenant + ": " + cause, cause);
            this.record = record;
            this.tenant = tenant;
        }

        /** Failed work of the applier's own (no tenant's record): {@code what} says which. */
        ApplyFailed(String what, Exception cause) {
            super(what + ": " + cause, cause);
            this.record = null;
            this.tenant = null;
        }
    }

    enum Kind { MACHINE, DAMAGED, UNKNOWN }

    private final TenantRecovery recovery;
    private final ApplierMetrics metrics;
    private final Map<Bookmark, Integer> failures = new HashMap<>();
    private final Map<Bookmark, String> reasons = new HashMap<>();
    private final Set<Bookmark> quarantined = new HashSet<>();
    private long machineSince;
    private long lastMachineFailure;
    private long backoff;

    FailureRecovery(TenantRecovery recovery, ApplierMetrics metrics) {
        this.recovery = recovery;
        this.metrics = metrics;
    }

    /**
     * Acts on {@code failure} before the group is applied again: waits, sets a file aside, or marks a
     * record for quarantine.
     *
     * @throws StreamsException when the machine has been failing for longer than {@link #MAX_RETRYING}
     */
    void handle(ApplyFailed failure) {
        Throwable cause = failure.getCause() instanceof GroupCommit.CommitFailed cf ? cf.getCause() : failure.getCause();
        Kind kind = classify(cause);
        metrics.failed(kind);
        switch (kind) {
            case MACHINE -> waitOut(failure);
            case DAMAGED -> {
                log.error("tenant {}: its file is damaged ({}); rebuilding it from the log", failure.tenant, cause.toString());
                try {
                    recovery.setAside(failure.tenant);
                } catch (SQLException e) {
                    waitOut(new ApplyFailed(failure.record, failure.tenant, e));
                }
            }
            case UNKNOWN -> {
                if (failure.record == null) {
                    waitOut(failure);
                    return;
                }
                Bookmark at = failure.record.position();
                recovery.reopen(failure.tenant);
                int n = failures.merge(at, 1, Integer::sum);
                reasons.put(at, cause.getClass().getName() + ": " + cause.getMessage());
                if (n >= QUARANTINE_AFTER) {
                    quarantined.add(at);
                    log.error("tenant {}: record {} failed {} times ({}); quarantined: it is skipped, failed, and sent to"
                            + " cairn.dead-letters", failure.tenant, at, n, cause.toString(), cause);
                } else {
                    log.warn("tenant {}: record {} failed ({}); applying the group again (attempt {} of {})",
                            failure.tenant, at, cause.toString(), n + 1, QUARANTINE_AFTER);
                }
            }
        }
    }

    /**
     * Work of the applier's own failed ({@code failure} names no tenant; e.g. recording the records the heavy lane
     * holds, in the hot volume's registry). A machine failure is waited out like a record's, before the work is
     * tried again; anything else goes to Streams, which replaces the thread.
     *
     * @throws StreamsException when it is not the machine's, or the machine has been failing for longer than {@link #MAX_RETRYING}
     */
    void handleOwn(ApplyFailed failure) {
        Kind kind = classify(failure.getCause());
        metrics.failed(kind);
        if (kind != Kind.MACHINE) throw new StreamsException(failure.getMessage(), failure);
        waitOut(failure);
    }

    /** The group was applied and committed again: a failure being waited out, if any, is over. */
    void recovered() {
        metrics.stalls().cleared(this);
    }

    /**
     * True when the tenant's file is known to hold {@code r} already (applied and committed before a redelivery):
     * then its failure now is the file's or the machine's, never the record's, and it must not be quarantined: a
     * dead letter makes every replay drop it, an acknowledged write. Logged, as a failure no replay explains.
     */
    static boolean appliedBefore(TenantRecovery recovery, ApplyProcessor.LogRecord r) {
        String tenant = r.command().getTenant();
        if (r.position().offset() > recovery.appliedAtLeast(tenant)) return false;
        log.error("tenant {}: record {} keeps failing, but the tenant's file holds it already (applied before this redelivery):"
                + " skipped, not quarantined", tenant, r.position());
        return true;
    }

    boolean isQuarantined(Bookmark position) {
        return quarantined.contains(position);
    }

    /** The dead letter of a quarantined record; counts it. */
    DeadLetter deadLetter(ApplyProcessor.LogRecord r) {
        metrics.quarantined();
        return DeadLetter.newBuilder()
                .setTenant(r.command().getTenant())
                .setPartition(r.position().partition())
                .setOffset(r.position().offset())
                .setCommandId(r.command().getCommandId())
                .setReason(reasons.getOrDefault(r.position(), "unknown"))
                .setAttempts(failures.getOrDefault(r.position(), 0))
                .setQuarantinedAtMs(System.currentTimeMillis())
                .build();
    }

    static Kind classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                if (IntegrityCheck.isCorruption(s)) return Kind.DAMAGED;
                if (SqliteErrors.isMachineFailure(s) || SqliteErrors.code(s) == ErrorCode.QUOTA_EXCEEDED) return Kind.MACHINE;
            }
            if (t instanceof IOException || t instanceof UncheckedIOException) return Kind.MACHINE;
            if (t instanceof KeyUnavailableException) return Kind.MACHINE; // the key vault or KMS is away: wait, lose nothing
            // The snapshot store failed or is missing (an import, a thaw, a past point read from it): the store is at
            // fault, never the record, so wait; a record skipped here would be applied by a copy whose store answers.
            // An object that is there but corrupt is the same for every copy: not waited for.
            if (t instanceof io.cairn.connectors.snapshot.SnapshotCorruptException) return Kind.UNKNOWN;
            if (t instanceof io.cairn.connectors.snapshot.SnapshotStoreException) return Kind.MACHINE;
        }
        return Kind.UNKNOWN;
    }

    /** Sleeps with doubling backoff; gives up (to Streams) once the machine has failed for {@link #MAX_RETRYING}. */
    private void waitOut(ApplyFailed failure) {
        long now = System.nanoTime();
        if (backoff == 0 || now - lastMachineFailure > 4 * MAX_BACKOFF_NANOS) {
            machineSince = now; // a new episode: the last one ended a while ago
            backoff = FIRST_BACKOFF_NANOS;
        }
        lastMachineFailure = now;
        metrics.stalls().failing(this, System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(now - machineSince), failure.getCause());
        if (now - machineSince > MAX_RETRYING.toNanos()) {
            backoff = 0;
            metrics.stalls().cleared(this); // this thread is replaced; its successor reports its own failures
            throw new StreamsException("applying failed for " + MAX_RETRYING.toMinutes() + " minutes: " + failure.getMessage(), failure);
        }
        log.warn("{}; retrying in {} ms", failure.getMessage(), TimeUnit.NANOSECONDS.toMillis(backoff));
        try {
            TimeUnit.NANOSECONDS.sleep(backoff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamsException("interrupted while waiting out a failure", failure);
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
    }
}
