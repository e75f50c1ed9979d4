package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.ApplyMigration;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Freeze;
import io.cairn.topics.avro.Frozen;
import io.cairn.topics.avro.RepairTenant;
import io.cairn.topics.avro.RestoreFrom;
import io.cairn.topics.avro.TakeSnapshot;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.Thaw;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.seal.KeyErasedException;
import io.cairn.topics.seal.Keyring;
import io.cairn.topics.seal.SealBrokenException;
import io.cairn.topics.seal.Sealing;
import java.sql.SQLException;
import java.util.List;

/**
 * One record of a partition taken through every step the applier takes, in order: heal the tenant if
 * its file is lost, mark creates and deletes in the registry, apply with {@link CommandApplier} inside
 * the partition's {@link GroupCommit}, hand an applied {@code TakeSnapshot} to {@link SnapshotRequests}, replace the content for a {@code RestoreFrom} ({@link Restores}). The live applier and {@link LogReplay} both go through here, so a
 * rebuilt copy is made by exactly the code that made the original.
 *
 * <p>Confined to the thread of its partition, like the group it holds.
 */
final class RecordApplier {
    private final CommandApplier applier;
    private final GroupCommit group;
    private final TenantDatabasePool pool;
    private final TenantRecovery recovery;
    private final SnapshotRequests snapshots;
    private final ColdTenants cold;
    private final Restores restores;
    /** Tenants' data keys: open sealed records, destroyed when a tenant is deleted; null without encryption. */
    private final TenantKeys keys;
    private final boolean live;
    /** Where a replay's {@code Frozen} records leave tenants cold at its end ({@link ColdAtEnd}); none by default. */
    private ColdAtEnd coldAtEnd;

    RecordApplier(TenantDatabasePool pool, int maxResultRows, TenantKeys keys, TenantRecovery recovery, SnapshotRequests snapshots) {
        this(pool, maxResultRows, keys, recovery, snapshots, recovery.past(), true, true);
    }

    /** As the live applier's, with {@code mayFreeze} as below. */
    RecordApplier(TenantDatabasePool pool, int maxResultRows, TenantKeys keys, TenantRecovery recovery, SnapshotRequests snapshots,
            boolean mayFreeze) {
        this(pool, maxResultRows, keys, recovery, snapshots, recovery.past(), mayFreeze, true);
    }

    /**
     * {@code mayFreeze} false where a group is committed by someone else after each record (the heavy
     * lane): a {@code Frozen} there is only recorded, the tenant stays hot, and the tiering job asks again.
     * {@code past} builds the content a {@code RestoreFrom} names (null: none can be applied here).
     * {@code live} true where clients wait for outcomes: a redelivered write's outcome is then emitted again
     * (see {@link #redelivered}); a replay (false) makes no outcomes or states at all (its group emits
     * {@link GroupCommit.Emitted#NOTHING}) and looks nothing up for the records it skips.
     */
    RecordApplier(TenantDatabasePool pool, int maxResultRows, TenantKeys keys, TenantRecovery recovery, SnapshotRequests snapshots,
            PastContent past, boolean mayFreeze, boolean live) {
        this.live = live;
        this.keys = keys;
        this.restores = past == null ? Restores.NONE : new Restores(pool, past, live);
        this.cold = recovery.cold();
        this.applier = new CommandApplier(pool, maxResultRows, snapshots, cold, mayFreeze && cold.freezes());
        this.snapshots = snapshots;
        this.group = new GroupCommit(pool, keys == null ? Keyring.NONE : keys, live);
        this.pool = pool;
        this.recovery = recovery;
    }

    GroupCommit group() {
        return group;
    }

    /** A replay's records applier that tells {@code tails} which tenants its {@code Frozen} records leave cold. */
    RecordApplier leavingColdAtEnd(ColdAtEnd tails) {
        this.coldAtEnd = tails;
        applier.marksColdInReplay();
        return this;
    }

    /**
     * Applies {@code cmd} under the full budget; see {@link #apply(TenantCommand, Bookmark, Runnable, Budget)}.
     */
    Outcome apply(TenantCommand cmd, Bookmark position, Runnable commitGroup) throws SQLException {
        return apply(cmd, position, commitGroup, Budget.FULL);
    }

    /**
     * Applies {@code cmd}. A DeleteTenant first runs {@code commitGroup} (nothing of the tenant may be
     * pending when its file goes) and is not added to the group: its outcome is final when this returns.
     * Every other command's outcome is added to the group and final when the group commits, except
     * {@link Outcome.Deferred} (the record needs more than a quick {@code budget}; nothing of it applied).
     */
    Outcome apply(TenantCommand record, Bookmark position, Runnable commitGroup, Budget budget) throws SQLException {
        String tenant = record.getTenant();
        String sealedWith = Sealing.keyId(record);
        Outcome.Failed unreadable = null;
        TenantCommand cmd = record;
        try {
            cmd = Sealing.open(record, keys == null ? Keyring.NONE : keys);
        } catch (KeyErasedException e) {
            // The tenant was deleted and its keys destroyed: this record can never be read again. It is
            // passed over like a failed write (its position advances), on every copy and every replay.
            unreadable = new Outcome.Failed(ErrorCode.TENANT_ERASED, "the tenant's data key was destroyed: this write is erased", null);
        } catch (SealBrokenException e) {
            unreadable = new Outcome.Failed(ErrorCode.INTERNAL, e.getMessage(), null);
        }
        boolean valid = TenantId.isValid(tenant);
        if (valid && coldAtEnd != null) coldAtEnd.before(cmd, position);
        if (valid && cmd.getPayload() instanceof RepairTenant repair) {
            // Someone found the file damaged or missing: check it again now, whatever this instance saw before.
            commitGroup.run();
            recovery.recheck(tenant, repair.getReason());
        }
        if (valid && group.held(tenant) == null) {
            TenantRegistry.ColdTail tail = cold.tail(tenant);
            if (tail == null) {
                // On the stream thread (a quick budget) a rebuild from the log, or a check of a large file, is left to the heavy lane.
                TenantRecovery.Healed healed = recovery.heal(tenant, position, budget.quick());
                if (healed == TenantRecovery.Healed.ELSEWHERE) return Outcome.DEFERRED;
                if (healed == TenantRecovery.Healed.COLD_AGAIN) tail = cold.tail(tenant); // a thaw cut short: cold again
            }
            if (tail != null) {
                Outcome withoutFile = whileCold(cmd, position, tail, commitGroup);
                if (withoutFile != null) return withoutFile;
                cold.thaw(tenant, position);
            }
        }
        if (cmd.getPayload() instanceof DeleteTenant) {
            commitGroup.run();
            if (valid) pool.registry().deleted(tenant, position);
            Outcome deleted = applier.delete(cmd, position);
            if (deleted instanceof Outcome.Applied) {
                erase(cmd);
                snapshots.deleted(tenant, position.offset());
            }
            return deleted;
        }
        Outcome.Failed verdict = unreadable;
        if (valid && cmd.getPayload() instanceof RestoreFrom restore) {
            commitGroup.run(); // the file is replaced: nothing of the tenant may be pending
            verdict = restores.replace(cmd, restore, position);
        }
        Outcome outcome;
        try {
            outcome = applier.apply(cmd, position, group, budget, verdict);
        } catch (TransactionLost lost) {
            outcome = redoWithout(cmd, position, lost.outcome());
        }
        if (cmd.getPayload() instanceof CreateTenant && outcome instanceof Outcome.Applied) group.created(tenant, position);
        if ((cmd.getPayload() instanceof CreateTenant || cmd.getPayload() instanceof RestoreFrom) && outcome instanceof Outcome.Applied) {
            recovery.madeHere(tenant);
        }
        if (sealedWith == null && keys != null && valid && outcome instanceof Outcome.Failed) {
            sealedWith = dataKeyOf(tenant); // a clear record's failure (a migration's, an import's) can quote the tenant's data
        }
        group.add(cmd, position, outcome, sealedWith);
        if (live && outcome instanceof Outcome.Skipped && valid) redelivered(cmd, position, sealedWith);
        if (cmd.getPayload() instanceof ExecuteBatch b && outcome instanceof Outcome.Applied) snapshots.applied(tenant, b);
        if (cmd.getPayload() instanceof TakeSnapshot && outcome instanceof Outcome.Applied) {
            commitGroup.run(); // the copy then holds everything up to this record
            snapshots.request(tenant);
        }
        if (cmd.getPayload() instanceof RestoreFrom && outcome instanceof Outcome.Applied && snapshots.available()) {
            // A fork's content came from another tenant's records, sealed with that tenant's keys: once it is
            // deleted (its keys destroyed) no replay can build it again, so the fork keeps its own copy at once.
            // A restore in place too: a later build of the tenant then starts at or after it, instead of building
            // this restore's point again, and each earlier restore's within it (twice the time per restore).
            commitGroup.run();
            snapshots.request(tenant);
        }
        if (valid && cmd.getPayload() instanceof Thaw) cold.askedHot(tenant, cmd.getIngressTimeMs());
        if (cmd.getPayload() instanceof Freeze f && outcome instanceof Outcome.Applied && !usedSince(tenant, f.getIdleBeforeMs())) {
            commitGroup.run();
            snapshots.freeze(tenant);
        }
        TenantDatabase db = valid ? group.held(tenant) : null;
        if (db != null && db.goingColdFrom() >= 0 && coldAtEnd != null) {
            coldAtEnd.frozen(tenant, position, db.goingColdFrom(), cmd); // a replay's: its file stays until the replay ends
            db.goingCold(-1);
        } else if (db != null && db.goingColdFrom() >= 0) {
            long snapshotOffset = db.goingColdFrom();
            commitGroup.run(); // its state goes out cold; then the file goes
            FaultPoints.reach(FaultPoints.FREEZE_COMMITTED);
            cold.frozen(tenant, position, snapshotOffset, cmd);
            FaultPoints.reach(FaultPoints.FREEZE_REMOVED);
        } else if (db != null && db.takeFreezeAgain()) {
            commitGroup.run(); // the new snapshot holds what came after the last one
            snapshots.freeze(tenant);
        }
        return outcome;
    }

    /**
     * Whether the tenant applied a write, or a {@code Thaw} ({@link ColdTenants#askedHot}), at or after {@code idleBeforeMs}
     * (ingress time): a Freeze the tiering job asked on a view of last access that trailed the log then leaves it hot. False
     * when null (an operator's Freeze) or no file is held.
     */
    private boolean usedSince(String tenant, Long idleBeforeMs) throws SQLException {
        TenantDatabase db = idleBeforeMs == null ? null : group.held(tenant);
        if (db == null) return false;
        if (cold.askedHotSince(tenant, idleBeforeMs)) {
            org.slf4j.LoggerFactory.getLogger(RecordApplier.class).info("tenant {}: asked hot (read while cold) since the tiering job found it idle;"
                    + " stays hot", tenant);
            return true;
        }
        try (java.sql.ResultSet rs = db.prepare("SELECT last_write_ms FROM _cairn_tenant WHERE id = 0").executeQuery()) {
            if (!rs.next() || rs.getLong(1) < idleBeforeMs) return false;
        }
        org.slf4j.LoggerFactory.getLogger(RecordApplier.class).info("tenant {}: written since the tiering job found it idle; stays hot", tenant);
        return true;
    }

    /** The data key the tenant's file names now; null without one or without a file held. */
    private String dataKeyOf(String tenant) throws SQLException {
        TenantDatabase db = group.held(tenant);
        if (db == null) return null;
        try (java.sql.ResultSet rs = db.prepare("SELECT data_key_id FROM _cairn_tenant WHERE id = 0").executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /**
     * A write applied before whose record came again (the applier stopped after committing it, before Kafka
     * had its outcome or the consumer offset): its client may still be waiting, so the outcome goes out
     * again, the kept one when the write had an Idempotency-Key, else a {@code write_timeout} saying it is
     * lost. Other commands emit nothing here (their callers time out as before).
     */
    private void redelivered(TenantCommand cmd, Bookmark position, String sealedWith) throws SQLException {
        TenantDatabase db = group.held(cmd.getTenant());
        if (db == null || !(cmd.getPayload() instanceof ExecuteBatch batch) || position.offset() > db.applied().offset()) return;
        group.addFileless(cmd, position, IdempotencyKeys.kept(db, cmd, batch), sealedWith);
    }

    /**
     * Destroys the data keys of the tenant {@code delete} deletes: every key made up to the delete's
     * ingress time (a tenant created again later under the same id has newer keys, which stay). From
     * here on the tenant's records and snapshots are unreadable everywhere. Idempotent: a replay of the
     * delete finds them gone.
     */
    private void erase(TenantCommand delete) {
        if (keys != null) keys.destroyMadeUpTo(delete.getTenant(), delete.getIngressTimeMs());
    }

    /**
     * A record of a cold tenant: one redelivered from before the freeze is skipped, a delete removes
     * what is left, and a request that needs no file (freeze, snapshot, a late {@code Frozen}) changes
     * nothing but the tail a thaw will apply. A fleet migration is kept in that tail too, so a run does
     * not thaw cold tenants in bulk: it applies when the tenant next thaws, before anything else. Null when the record needs the file: the caller thaws.
     */
    private Outcome whileCold(TenantCommand cmd, Bookmark position, TenantRegistry.ColdTail tail, Runnable commitGroup)
            throws SQLException {
        String tenant = cmd.getTenant();
        if (position.offset() <= tail.last()) return Outcome.SKIPPED;
        return switch (cmd.getPayload()) {
            case DeleteTenant d -> {
                commitGroup.run();
                pool.registry().deleted(tenant, position);
                pool.files().delete(tenant, position.offset());
                cold.deleted(tenant);
                erase(cmd);
                snapshots.deleted(tenant, position.offset());
                yield new Outcome.Applied(List.of());
            }
            case Freeze f -> neutral(cmd, position, tail);
            case TakeSnapshot t -> neutral(cmd, position, tail);
            case Frozen f -> neutral(cmd, position, tail);
            case ApplyMigration m -> neutral(cmd, position, tail); // kept in the tail: it applies when the tenant thaws, before the record that thaws it
            default -> null;
        };
    }

    /** Whether {@code cmd} at {@code position} needs a cold tenant's file (so applying it thaws the tenant); see {@link #whileCold}. */
    static boolean needsFile(TenantCommand cmd, Bookmark position, TenantRegistry.ColdTail tail) {
        if (position.offset() <= tail.last()) return false;
        return !(cmd.getPayload() instanceof DeleteTenant || fileless(cmd));
    }

    /** Whether {@code cmd} joins a cold tenant's tail rather than thaw it: a freeze or snapshot request, a {@code Frozen}, a fleet migration. */
    static boolean fileless(TenantCommand cmd) {
        return cmd.getPayload() instanceof Freeze || cmd.getPayload() instanceof TakeSnapshot || cmd.getPayload() instanceof Frozen
                || cmd.getPayload() instanceof ApplyMigration;
    }

    private Outcome neutral(TenantCommand cmd, Bookmark position, TenantRegistry.ColdTail tail) throws SQLException {
        cold.appliedWhileCold(cmd.getTenant(), position, tail, cmd);
        Outcome done = new Outcome.Applied(List.of());
        group.addFileless(cmd, position, done, null);
        return done;
    }

    /**
     * SQLite rolled back the tenant's whole group transaction while failing {@code cmd}: begins a new
     * one, applies the tenant's earlier records of the group again (they are deterministic, so they
     * reach the outcomes they had; one that failed is recorded with its verdict without running it, as
     * a failure leaves nothing but its outcome, and run again one that had ended the transaction ended
     * it again: two such writes in a group made the tenant's log unreplayable), then records {@code
     * outcome} for {@code cmd} without running it (a deferred record is left for the heavy lane). The
     * tenant ends where a group holding only its earlier records, then the failed one, would have.
     */
    private Outcome redoWithout(TenantCommand cmd, Bookmark position, Outcome outcome) throws SQLException {
        TenantDatabase db = group.held(cmd.getTenant());
        db.beginIfNeeded();
        try {
            group.reapply(cmd.getTenant(), (earlier, at, failed) -> failed != null ? applier.applyVerdict(db, earlier, at, failed)
                    : applier.applyHeld(db, earlier, at, Budget.FULL));
            if (outcome instanceof Outcome.Deferred) return outcome;
            return applier.applyVerdict(db, cmd, position, (Outcome.Failed) outcome);
        } catch (TransactionLost again) {
            // Applying a record twice from the same state cannot differ, or replay would not be deterministic either.
            throw new IllegalStateException("tenant " + cmd.getTenant() + ": redoing its group at " + position
                    + " ended the transaction again (" + again.getMessage() + ")", again);
        }
    }
}
