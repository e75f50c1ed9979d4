package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.ApplyMigration;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.RotateDataKey;
import io.cairn.topics.avro.Freeze;
import io.cairn.topics.avro.Frozen;
import io.cairn.topics.avro.Thaw;
import io.cairn.topics.avro.IssueKey;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.RepairTenant;
import io.cairn.topics.avro.SnapshotRefSpec;
import io.cairn.topics.avro.SnapshotTaken;
import io.cairn.topics.avro.TakeSnapshot;
import io.cairn.topics.avro.RestoreFrom;
import io.cairn.topics.avro.RevokeKey;
import io.cairn.topics.avro.TenantCommand;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.OptionalLong;

/**
 * Applies one command of the tenant log to its tenant's database, exactly once.
 *
 * <p>Each record runs inside a savepoint of the tenant's group-commit transaction, and moves the
 * tenant's applied position in that same savepoint; a record whose offset is at or below the stored
 * position was applied before and is skipped. A failing command (bad SQL, a duplicate tenant, ...)
 * is rolled back to its savepoint but still advances the position: its failure is its outcome, and
 * replaying it gives the same failure. {@link SQLException}s that escape are infrastructure failures
 * (I/O, corruption), never a tenant's mistake.
 *
 * <p>Some failures end SQLite's whole transaction, not just the statement: a write interrupted by its
 * budget, or refused for space. The record's savepoint is then gone, and with it the group's earlier
 * records of the tenant; {@link TransactionLost} says so, carrying the record's verdict, and the
 * caller redoes the tenant's group without the record ({@link RecordApplier}).
 */
final class CommandApplier {
    private static final Outcome.Applied DONE = new Outcome.Applied(List.of());

    private final TenantDatabasePool pool;
    private final TenantFiles files;
    private final BatchExecutor batches;
    private final MigrationApplier migrations;
    private final SnapshotRequests snapshots;
    private final ColdTenants cold;
    private final boolean freezes;
    /** A replay's: a {@code Frozen} marks the tenant going cold for {@link ColdAtEnd}, which the replay's end acts on. */
    private boolean marksCold;

    /** Makes a replay's {@code Frozen} mark the tenant going cold as the live applier's does ({@link ColdAtEnd}). */
    void marksColdInReplay() {
        marksCold = true;
    }

    CommandApplier(TenantDatabasePool pool, int maxResultRows, SnapshotRequests snapshots, ColdTenants cold, boolean freezes) {
        this.freezes = freezes;
        this.snapshots = snapshots;
        this.cold = cold;
        this.pool = pool;
        this.files = pool.files();
        this.batches = new BatchExecutor(maxResultRows);
        this.migrations = new MigrationApplier(batches);
    }

    /**
     * Applies any command but DeleteTenant (see {@link #delete}) inside {@code group}, under
     * {@code budget}; {@link Outcome.Deferred} when it needs more than a quick budget.
     */
    Outcome apply(TenantCommand cmd, Bookmark position, GroupCommit group, Budget budget) throws SQLException, TransactionLost {
        return apply(cmd, position, group, budget, null);
    }

    /** As {@link #apply(TenantCommand, Bookmark, GroupCommit, Budget)}, recording {@code verdict} (when not null) instead of running it. */
    Outcome apply(TenantCommand cmd, Bookmark position, GroupCommit group, Budget budget, Outcome.Failed verdict)
            throws SQLException, TransactionLost {
        String tenant = cmd.getTenant();
        if (!TenantId.isValid(tenant)) return Outcome.failed(ErrorCode.INVALID_TENANT, "invalid tenant id");
        Object payload = cmd.getPayload();
        TenantDatabase db = group.held(tenant);
        if (db == null) {
            if (deletedAtOrAfter(tenant, position)) return Outcome.SKIPPED;
            db = payload instanceof CreateTenant c ? pool.create(tenant, templateFile(c, budget)) : pool.acquire(tenant);
            if (db == null) return Outcome.failed(ErrorCode.TENANT_NOT_FOUND, "tenant '" + tenant + "' does not exist");
            try {
                // On the heavy lane only (the stream thread sends such a tenant's writes there: BatchExecutor): it may wait.
                if (!budget.quick() && db.walOver(TenantDatabase.WAL_LIMIT_BYTES)) db.resetWal(TenantDatabase.WAL_RESET_WAIT_MS);
                db.beginIfNeeded();
            } catch (SQLException | RuntimeException e) {
                pool.discard(tenant);
                throw e;
            }
            group.hold(db);
        }
        db.takes(position, cmd.getIngressTimeMs());
        return verdict == null ? applyHeld(db, cmd, position, budget) : applyVerdict(db, cmd, position, verdict);
    }

    /**
     * The prepared file a creation starts its tenant with: the blank file (Cairn's tables) for a plain creation,
     * the template's for a creation from a template; null when the template cannot be shared (its versions then
     * run in the creation). Under the quick budget a template is never prepared here (the processor sends such
     * creations to the heavy lane); the blank file is, once per process, in a few milliseconds.
     */
    private byte[] templateFile(CreateTenant c, Budget budget) throws SQLException {
        TenantTemplates templates = pool.templates();
        if (!TenantTemplates.fromTemplate(c)) return templates.blank(files, pool.limits());
        return budget.quick() ? templates.prepared(c) : templates.prepare(c, files, pool.limits(), migrations);
    }

    /** Applies {@code cmd} to {@code db}, whose group transaction is open (the redo path starts here). */
    Outcome applyHeld(TenantDatabase db, TenantCommand cmd, Bookmark position, Budget budget) throws SQLException, TransactionLost {
        if (position.offset() <= db.applied().offset()) return Outcome.SKIPPED;
        return applyInTransaction(db, cmd, position, null, budget);
    }

    /**
     * Records {@code verdict} as the outcome of {@code cmd} without running it: the position advances
     * past it and an Idempotency-Key remembers it, exactly as if it had failed by itself.
     */
    Outcome applyVerdict(TenantDatabase db, TenantCommand cmd, Bookmark position, Outcome.Failed verdict)
            throws SQLException, TransactionLost {
        if (position.offset() <= db.applied().offset()) return Outcome.SKIPPED;
        return applyInTransaction(db, cmd, position, verdict, Budget.FULL);
    }

    private Outcome applyInTransaction(TenantDatabase db, TenantCommand cmd, Bookmark position, Outcome.Failed verdict,
            Budget budget) throws SQLException, TransactionLost {
        Object payload = cmd.getPayload();
        if (!(payload instanceof ExecuteBatch)) db.cairnRowsMayChange();
        boolean keyed = payload instanceof ExecuteBatch && cmd.getIdempotencyKey() != null;
        if (keyed) IdempotencyKeys.prepare(db, cmd);
        if ((payload instanceof ExecuteBatch || payload instanceof ApplyMigration) && verdict == null) BatchExecutor.resetConnectionState(db);
        db.execute("SAVEPOINT cairn_record");
        Outcome first = keyed ? IdempotencyKeys.lookup(db, cmd, (ExecuteBatch) payload) : null;
        Outcome outcome;
        try {
            outcome = first != null ? first : verdict != null ? verdict : switch (payload) {
                case CreateTenant c -> create(db, cmd, position, c, budget);
                case ExecuteBatch b -> revokedBefore(db, cmd) ? REVOKED : execute(db, cmd, position, b, budget);
                case IssueKey k -> issueKey(db, cmd, k.getKey());
                case RevokeKey r -> revokeKey(db, r.getKeyId());
                case RepairTenant r -> DONE; // the check and any rebuild happened before the file was opened
                case TakeSnapshot t -> snapshots.available() ? DONE // the copy is taken off the stream thread (RecordApplier hands it over)
                        : Outcome.failed(ErrorCode.NOT_SUPPORTED, "this deployment stores no snapshots (configure snapshots: in cairn.yaml)");
                case SnapshotTaken t -> recordSnapshot(db, position, t.getSnapshot());
                case Freeze f -> snapshots.available() ? DONE // the snapshot is taken off the stream thread, then Frozen follows
                        : Outcome.failed(ErrorCode.NOT_SUPPORTED, "this deployment stores no snapshots, so no tenant can go cold");
                case Thaw t -> DONE; // a cold tenant's file was brought back before it was opened
                case RestoreFrom r -> DONE; // the content was replaced before the file was opened (Restores)
                case Frozen f -> frozen(db, position, f.getSnapshot());
                case ApplyMigration m -> migrations.apply(db, cmd, m, budget);
                case RotateDataKey k -> rotateDataKey(db, k); // where the tenant's writes start being sealed with the new key (in the vault)
                default -> Outcome.failed(ErrorCode.NOT_SUPPORTED, payload.getClass().getSimpleName() + " is not supported yet");
            };
        } catch (BatchExecutor.NeedsFullBudget more) {
            // Not a verdict: undo what the record did, leave its position, and let the heavy lane run it.
            rollbackRecord(db, Outcome.DEFERRED);
            db.execute("RELEASE cairn_record");
            return Outcome.DEFERRED;
        }
        if (outcome instanceof Outcome.Failed f) rollbackRecord(db, f);
        if (outcome instanceof Outcome.Applied && first == null && verdict == null
                && (payload instanceof RestoreFrom || payload instanceof ApplyMigration m2 && !m2.getDryRun())) {
            wroteAt(db, position);
        }
        if (payload instanceof ApplyMigration m) migrations.recordStatus(db, m, outcome);
        if (keyed && first == null) IdempotencyKeys.remember(db, cmd, (ExecuteBatch) payload, outcome);
        if (!db.advance(position)) {
            // Another applier of this partition committed past us between our read and now: it owns the record.
            db.execute("ROLLBACK TO cairn_record");
            outcome = Outcome.SKIPPED;
        }
        db.execute("RELEASE cairn_record");
        return outcome;
    }

    /**
     * Undoes the failed record's effects. When the savepoint is gone, SQLite rolled the whole
     * transaction back by itself: the tenant's earlier records of this group are undone too.
     */
    private static void rollbackRecord(TenantDatabase db, Outcome outcome) throws SQLException, TransactionLost {
        rollbackTo(db, "cairn_record", outcome);
    }

    /** Rolls back to {@code savepoint}; {@link TransactionLost} (carrying {@code outcome}) when SQLite ended the transaction itself. */
    private static void rollbackTo(TenantDatabase db, String savepoint, Outcome outcome) throws SQLException, TransactionLost {
        try {
            db.execute("ROLLBACK TO " + savepoint);
        } catch (SQLException e) {
            if (e.getMessage() == null || !e.getMessage().contains("no such savepoint")) throw e;
            db.transactionEnded();
            throw new TransactionLost(outcome);
        }
    }

    /**
     * Deletes the tenant's database. The caller commits the partition's open group first, so nothing
     * is pending for the tenant. A tombstone keeps the delete's offset: a redelivered older record
     * cannot bring the tenant back.
     */
    Outcome delete(TenantCommand cmd, Bookmark position) throws SQLException {
        String tenant = cmd.getTenant();
        if (!TenantId.isValid(tenant)) return Outcome.failed(ErrorCode.INVALID_TENANT, "invalid tenant id");
        if (deletedAtOrAfter(tenant, position)) return Outcome.SKIPPED;
        TenantDatabase db = pool.acquire(tenant);
        if (db == null) return Outcome.failed(ErrorCode.TENANT_NOT_FOUND, "tenant '" + tenant + "' does not exist");
        try {
            db.beginIfNeeded();
            boolean seen = position.offset() <= db.applied().offset();
            db.rollback();
            if (seen) return Outcome.SKIPPED;
        } finally {
            pool.discard(tenant);
        }
        files.delete(tenant, position.offset());
        return DONE;
    }

    private static Outcome rotateDataKey(TenantDatabase db, RotateDataKey k) throws SQLException {
        try (PreparedStatement ps = db.connection().prepareStatement("UPDATE _cairn_tenant SET data_key_id = ? WHERE id = 0")) {
            ps.setString(1, k.getKeyId());
            ps.executeUpdate();
        }
        return DONE;
    }

    private boolean deletedAtOrAfter(String tenant, Bookmark position) {
        OptionalLong deletedAt = files.deletedAt(tenant);
        return deletedAt.isPresent() && deletedAt.getAsLong() >= position.offset();
    }

    private Outcome create(TenantDatabase db, TenantCommand cmd, Bookmark position, CreateTenant c, Budget budget)
            throws SQLException, BatchExecutor.NeedsFullBudget, TransactionLost {
        TenantSchema.create(db.connection());
        try (PreparedStatement ps = db.connection().prepareStatement(
                "INSERT INTO _cairn_tenant (id, tenant, created_at_ms, last_write_ms, created_offset, data_key_id) VALUES (0, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT (id) DO NOTHING")) {
            ps.setString(1, cmd.getTenant());
            ps.setLong(2, cmd.getIngressTimeMs());
            ps.setLong(3, cmd.getIngressTimeMs());
            ps.setLong(4, position.offset());
            ps.setString(5, c.getDataKeyId());
            if (ps.executeUpdate() == 0) return Outcome.failed(ErrorCode.TENANT_EXISTS, "tenant '" + cmd.getTenant() + "' already exists");
        }
        Outcome keyed = issueKey(db, cmd, c.getInitialKey());
        if (keyed instanceof Outcome.Applied && TenantTemplates.fromTemplate(c)) fromTemplate(db, cmd, c, budget);
        return keyed;
    }

    /**
     * A new tenant's template: the tenant is created whatever its versions do. From a prepared file they are
     * in place already (nothing pending) and only dated; otherwise they run here, in a savepoint of their own:
     * a failure rolls back the versions alone, and the tenant starts at version 0 with the failure in its
     * state, as a failed migration would leave it.
     */
    private void fromTemplate(TenantDatabase db, TenantCommand cmd, CreateTenant c, Budget budget)
            throws SQLException, BatchExecutor.NeedsFullBudget, TransactionLost {
        ApplyMigration m = TenantTemplates.migration(c);
        db.execute("SAVEPOINT cairn_template");
        Outcome ran = migrations.apply(db, cmd, m, budget);
        if (ran instanceof Outcome.Failed f) {
            rollbackTo(db, "cairn_template", f);
        } else {
            migrations.dateTemplate(db, m.getSet(), cmd.getIngressTimeMs());
        }
        db.execute("RELEASE cairn_template");
        migrations.recordStatus(db, m, ran);
    }

    private Outcome execute(TenantDatabase db, TenantCommand cmd, Bookmark position, ExecuteBatch batch, Budget budget)
            throws SQLException, BatchExecutor.NeedsFullBudget {
        if (batch.getIfUnchangedSince() != null) {
            long since = batch.getIfUnchangedSince();
            long[] marks = lastWriteAndCreation(db);
            if (marks[0] > since) {
                return Outcome.failed(ErrorCode.CONFLICT, "the tenant was written at " + position.partition() + ":" + marks[0]
                        + ", after " + position.partition() + ":" + since + ": nothing was applied; read again and retry");
            }
            if (marks[1] > since) {
                // A bookmark from before this tenant's creation read another life of the name (deleted since), whose
                // content is gone: this life's first write is no later than it, yet everything changed.
                return Outcome.failed(ErrorCode.CONFLICT, "the tenant was created at " + position.partition() + ":" + marks[1]
                        + ", after " + position.partition() + ":" + since + " (what was read there was deleted): nothing was applied;"
                        + " read again and retry");
            }
        }
        db.clock.set(cmd.getSeed(), cmd.getIngressTimeMs());
        Outcome outcome = batches.run(db, batch.getStatements(), budget);
        if (outcome instanceof Outcome.Applied applied) {
            PreparedStatement ps = db.prepare("UPDATE _cairn_tenant SET last_write_ms = ?, last_write_offset = ? WHERE id = 0");
            ps.setLong(1, cmd.getIngressTimeMs());
            ps.setLong(2, position.offset());
            ps.executeUpdate();
            countUsage(db, cmd.getIngressTimeMs(), batch.getStatements().size(),
                    applied.results().stream().mapToLong(r -> r.getChanges()).sum());
        }
        return outcome;
    }

    /**
     * The offsets of the tenant's last applied write (a batch, a migration, a restore) and of its creation;
     * -1 when unknown.
     */
    private static long[] lastWriteAndCreation(TenantDatabase db) throws SQLException {
        try (ResultSet rs = db.prepare("SELECT last_write_offset, created_offset FROM _cairn_tenant WHERE id = 0").executeQuery()) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[] {-1, -1};
        }
    }

    /** Records that the data changed at {@code position} (a migration, a restore): later conditional writes compare with it. */
    private static void wroteAt(TenantDatabase db, Bookmark position) throws SQLException {
        PreparedStatement ps = db.prepare("UPDATE _cairn_tenant SET last_write_offset = ? WHERE id = 0");
        ps.setLong(1, position.offset());
        ps.executeUpdate();
    }

    /** Adds an applied write's statements and rows to its day's and the tenant's totals (see {@link TenantSchema}). */
    private static void countUsage(TenantDatabase db, long ingressMs, long statements, long rows) throws SQLException {
        PreparedStatement ps = db.prepare("INSERT INTO _cairn_usage (day, statements, rows_written) VALUES (?, ?, ?), (?, ?, ?)"
                + " ON CONFLICT (day) DO UPDATE SET statements = statements + excluded.statements,"
                + " rows_written = rows_written + excluded.rows_written");
        ps.setLong(1, Math.floorDiv(ingressMs, 86_400_000L));
        ps.setLong(2, statements);
        ps.setLong(3, rows);
        ps.setLong(4, TenantSchema.USAGE_TOTAL_DAY);
        ps.setLong(5, statements);
        ps.setLong(6, rows);
        ps.executeUpdate();
    }

    private Outcome issueKey(TenantDatabase db, TenantCommand cmd, KeySpec key) throws SQLException {
        try (PreparedStatement ps = db.connection().prepareStatement(
                "INSERT INTO _cairn_keys (key_id, secret_sha256, scopes, created_at_ms) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (key_id) DO NOTHING")) {
            ps.setString(1, key.getKeyId());
            ps.setString(2, key.getSecretSha256());
            ps.setString(3, String.join(",", key.getScopes()));
            ps.setLong(4, cmd.getIngressTimeMs());
            if (ps.executeUpdate() == 0) return Outcome.failed(ErrorCode.KEY_EXISTS, "a key with this id already exists");
        }
        return DONE;
    }

    /** Records a stored snapshot in the tenant's file, from where its state shows the newest. */
    private static Outcome recordSnapshot(TenantDatabase db, Bookmark position, SnapshotRefSpec s) throws SQLException {
        if (s.getOffset() < 0 || s.getOffset() >= position.offset() || s.getKey().isEmpty()) {
            return Outcome.failed(ErrorCode.INVALID_REQUEST, "a snapshot at offset " + s.getOffset() + " cannot be recorded at " + position);
        }
        try (PreparedStatement ps = db.connection().prepareStatement(TenantSchema.RECORD_SNAPSHOT)) {
            ps.setLong(1, s.getOffset());
            ps.setLong(2, s.getSizeBytes());
            ps.setLong(3, s.getStoredBytes());
            ps.setString(4, s.getSha256());
            ps.setString(5, s.getKey());
            ps.setLong(6, s.getTakenAtMs());
            ps.executeUpdate();
        }
        return DONE;
    }

    /**
     * Records the freeze's snapshot; when the tenant applied nothing after it, the snapshot holds all
     * the tenant is, and the tenant goes cold once the group commits (where files are live). Either way
     * the same content and position result, so a replay agrees. When only Cairn's own records came after
     * it (no write), the freeze is asked again once the group commits ({@link ColdTenants#superseded}).
     */
    private Outcome frozen(TenantDatabase db, Bookmark position, SnapshotRefSpec s) throws SQLException {
        long writtenUpTo = db.applied().offset();
        Outcome recorded = recordSnapshot(db, position, s);
        if (!(recorded instanceof Outcome.Applied) || !(freezes || marksCold)) return recorded;
        if (writtenUpTo == s.getOffset()) db.goingCold(s.getOffset());
        else if (freezes && cold.superseded(db.tenant, position, s.getOffset(), lastWriteAndCreation(db)[0] > s.getOffset()) && snapshots.available()) {
            db.freezeAgain();
        }
        return recorded;
    }

    static final Outcome REVOKED = Outcome.failed(ErrorCode.UNAUTHORIZED, "the API key this write was sent with was revoked"
            + " before it in the tenant's log: nothing of it was applied");

    /**
     * Whether the API key {@code cmd} was sent with is revoked in the tenant's file, as of this record: a revoke in
     * the log before it wins, whichever edge took the write (another edge may take a key until the revoke is
     * applied). A record without a key (the admin token, or older than the field) is never refused for it.
     */
    private static boolean revokedBefore(TenantDatabase db, TenantCommand cmd) throws SQLException {
        if (cmd.getApiKeyId() == null) return false;
        PreparedStatement ps = db.prepare("SELECT revoked FROM _cairn_keys WHERE key_id = ?");
        ps.setString(1, cmd.getApiKeyId());
        try (var rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private Outcome revokeKey(TenantDatabase db, String keyId) throws SQLException {
        try (PreparedStatement ps = db.connection().prepareStatement(
                "UPDATE _cairn_keys SET revoked = 1 WHERE key_id = ? AND revoked = 0")) {
            ps.setString(1, keyId);
            if (ps.executeUpdate() == 0) return Outcome.failed(ErrorCode.KEY_NOT_FOUND, "no active key with id '" + keyId + "'");
        }
        return DONE;
    }
}
