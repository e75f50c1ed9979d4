package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.CommandError;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DayWrites;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.SnapshotRef;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.WriteUsage;
import io.cairn.topics.seal.Keyring;
import io.cairn.topics.seal.Sealing;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of one partition applied since the last commit: each touched tenant's database holds
 * one open SQLite transaction for all of them, and their outcomes wait here until it commits. Only
 * then are outcomes and states emitted, so nobody is told of a write that a crash could still undo.
 *
 * <p>Confined to the stream thread of its task.
 */
final class GroupCommit {
    /** An outcome waiting for its tenant's commit. */
    private record Pending(TenantCommand command, Bookmark position, Outcome.Applied applied, Outcome.Failed failed,
            boolean replayed, boolean fileless, String sealedWith) {
        static Pending of(TenantCommand command, Bookmark position, Outcome outcome) {
            return switch (outcome) {
                case Outcome.Applied a -> new Pending(command, position, a, null, false, false, null);
                case Outcome.Failed f -> new Pending(command, position, null, f, false, false, null);
                case Outcome.Replayed r -> of(command, position, r.first()).asReplay();
                case Outcome.Skipped s -> throw new IllegalArgumentException("a skipped record has no result");
                case Outcome.Deferred d -> throw new IllegalArgumentException("a deferred record has no result yet");
            };
        }

        Pending asReplay() {
            return new Pending(command, position, applied, failed, true, fileless, sealedWith);
        }

        Pending asFileless() {
            return new Pending(command, position, applied, failed, replayed, true, sealedWith);
        }

        /** Its outcome goes out sealed with the data key {@code keyId} (the one that sealed the record), if not null. */
        Pending sealedWith(String keyId) {
            return new Pending(command, position, applied, failed, replayed, fileless, keyId);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    /** What a commit produced, in log order: outcomes, then one state per tenant touched. */
    record Emitted(List<CommandResult> results, List<TenantState> states) {
        static final Emitted NOTHING = new Emitted(List.of(), List.of());
    }

    private final TenantDatabasePool pool;
    private final Map<String, TenantDatabase> touched = new LinkedHashMap<>();
    /** Tenants whose file a commit found damaged after committing (see {@link #takeDamaged}). */
    private final Set<String> damaged = new java.util.LinkedHashSet<>();
    private final List<Pending> pending = new ArrayList<>();
    /** Creates applied in this group, for the registry: written together, durably, before the tenants commit. */
    private final Map<String, Bookmark> created = new LinkedHashMap<>();
    private final DurabilityBarrier barrier = new DurabilityBarrier();
    private final Keyring keys;
    /** False in a replay: nobody waits for its outcomes or states, so none are made (nor sealed, nor read from the file). */
    private final boolean emits;

    GroupCommit(TenantDatabasePool pool, Keyring keys) {
        this(pool, keys, true);
    }

    /** {@code emits} false: {@link #commit} returns {@link Emitted#NOTHING}, for a replay that only builds files. */
    GroupCommit(TenantDatabasePool pool, Keyring keys, boolean emits) {
        this.pool = pool;
        this.keys = keys;
        this.emits = emits;
    }

    /** The database of {@code tenant} if this group already holds it, else null. */
    TenantDatabase held(String tenant) {
        return touched.get(tenant);
    }

    /** Keeps {@code db} (acquired from the pool, transaction begun) until the group commits. */
    void hold(TenantDatabase db) {
        touched.putIfAbsent(db.tenant, db);
    }

    /** Notes that the tenant's CreateTenant at {@code at} took effect in this group (see {@link TenantRegistry}). */
    void created(String tenant, Bookmark at) {
        created.merge(tenant, at, (a, b) -> a.offset() >= b.offset() ? a : b);
    }

    /** Adds a record's outcome; {@code sealedWith}: the data key that sealed the record (its outcome is sealed with it), or null. */
    void add(TenantCommand command, Bookmark position, Outcome outcome, String sealedWith) {
        if (!(outcome instanceof Outcome.Skipped) && !(outcome instanceof Outcome.Deferred)) {
            pending.add(Pending.of(command, position, outcome).sealedWith(sealedWith));
        }
    }

    /**
     * Adds an outcome that needs nothing of the tenant's file in this group: a record applied without it (a
     * cold tenant's), or one applied before and redelivered (the outcome it had, for a client still
     * waiting). Emitted with the group, never applied again by {@link #reapply}; {@code sealedWith} as for
     * {@link #add}.
     */
    void addFileless(TenantCommand command, Bookmark position, Outcome outcome, String sealedWith) {
        pending.add(Pending.of(command, position, outcome).asFileless().sealedWith(sealedWith));
    }

    int size() {
        return pending.size();
    }

    /** Applies one record again during a redo, {@code failed} its verdict when it failed (else null); see {@link #reapply}. */
    interface Reapply {
        Outcome apply(TenantCommand command, Bookmark position, Outcome.Failed failed) throws SQLException, TransactionLost;
    }

    /**
     * Applies {@code tenant}'s records of this group again, in order, and keeps their new outcomes (a
     * redo after SQLite rolled the tenant's transaction back; the caller began a new one).
     */
    void reapply(String tenant, Reapply again) throws SQLException, TransactionLost {
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            if (!p.command().getTenant().equals(tenant) || p.fileless()) continue;
            Outcome o = again.apply(p.command(), p.position(), p.failed());
            if (o instanceof Outcome.Skipped) throw new IllegalStateException("record " + p.position() + " skipped on redo");
            pending.set(i, Pending.of(p.command(), p.position(), o).sealedWith(p.sealedWith()));
        }
    }

    boolean isEmpty() {
        return pending.isEmpty() && touched.isEmpty();
    }

    /** A commit that failed part way: the tenants committed before the failure are final, and their outcomes are here. */
    static final class CommitFailed extends Exception {
        private final String tenant;
        private final Emitted committed;

        CommitFailed(String tenant, Emitted committed, Exception cause) {
            super("committing tenant " + tenant + " failed: " + cause, cause);
            this.tenant = tenant;
            this.committed = committed;
        }

        /** The tenant whose commit failed. */
        String tenant() {
            return tenant;
        }

        /** What the tenants committed before the failure produced, to emit all the same. */
        Emitted committed() {
            return committed;
        }
    }

    /**
     * Commits every held transaction, tenant by tenant, then returns what to emit: outcomes in log
     * order, then one state per tenant. When a tenant's commit fails, the ones before it are final:
     * their outcomes come with the {@link CommitFailed}; the failed tenant's and the later ones'
     * transactions are rolled back, for the caller to apply again.
     */
    Emitted commit(long nowMillis) throws CommitFailed {
        List<TenantState> states = new ArrayList<>(touched.size());
        Set<String> committed = new HashSet<>();
        try {
            // Only when there is something to record: a pool's registry is a file opened on first use, and a thaw's
            // scratch pool (a cold tail replayed) would otherwise open and close one per thaw for nothing.
            if (!created.isEmpty()) pool.registry().createdAll(created);
            created.clear();
        } catch (SQLException | RuntimeException e) {
            // As if the first tenant's commit failed: nothing is committed, everything is applied again.
            String first = touched.isEmpty() ? created.keySet().iterator().next() : touched.keySet().iterator().next();
            Emitted done = emitted(new HashSet<>(touched.keySet()), states, nowMillis);
            abort();
            throw new CommitFailed(first, done, e);
        }
        for (TenantDatabase db : touched.values()) {
            try {
                db.commit();
            } catch (SQLException | RuntimeException e) {
                Set<String> notCommitted = new HashSet<>(touched.keySet());
                notCommitted.removeAll(committed);
                Emitted done = emitted(notCommitted, states, nowMillis);
                abort();
                throw new CommitFailed(db.tenant, done, e);
            }
            committed.add(db.tenant);
            barrier.committed(pool.files().database(db.tenant), db.createdInThisGroup());
            if (!emits) continue;
            try {
                states.add(sealedErrors(stateOf(db)));
            } catch (SQLException | RuntimeException e) {
                // The commit stands; only the state announcement is lost, and the tenant's next commit makes it. Unless
                // the file is damaged (its pages of Cairn's own tables): then every next commit fails the same way.
                if (FailureRecovery.classify(e) == FailureRecovery.Kind.DAMAGED) {
                    damaged.add(db.tenant);
                    log.error("tenant {}: committed, but its file is damaged ({}): it is set aside, to be rebuilt from the log",
                            db.tenant, e.toString());
                } else {
                    log.warn("tenant {}: committed, but its state could not be read: {}", db.tenant, e.toString());
                }
            }
        }
        touched.values().forEach(pool::release);
        touched.clear();
        Emitted all = emitted(Set.of(), states, nowMillis);
        pending.clear();
        return all;
    }

    /**
     * The tenants whose file the last commits found damaged once their transaction was committed (reading their state
     * failed with SQLITE_CORRUPT): the caller sets them aside ({@link TenantRecovery#setAside}), so that the next
     * record rebuilds them from the log, which holds what was just committed. Emptied by the call.
     */
    Set<String> takeDamaged() {
        Set<String> out = Set.copyOf(damaged);
        damaged.clear();
        return out;
    }

    /** Outcomes of every pending record but those of {@code notCommitted} tenants (whose transactions are rolled back). */
    private Emitted emitted(Set<String> notCommitted, List<TenantState> states, long nowMillis) {
        if (!emits) return Emitted.NOTHING;
        List<CommandResult> results = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            if (!notCommitted.contains(p.command().getTenant())) results.add(sealed(p, result(p, nowMillis)));
        }
        return new Emitted(results, List.copyOf(states));
    }

    /**
     * Forces everything committed so far to stable storage (see {@link DurabilityBarrier}). Call before
     * Kafka commits the input offsets.
     *
     * @return the number of files and directories synced
     */
    int syncDurable() {
        int n = barrier.pending();
        barrier.sync();
        return n;
    }

    /** Stops the background syncing; call when the partition's task closes. */
    void close() {
        barrier.close();
    }

    /** Rolls back every held transaction and closes those databases (after a failure). */
    void abort() {
        for (TenantDatabase db : touched.values()) {
            db.rollback();
            pool.discard(db.tenant);
        }
        touched.clear();
        pending.clear();
        created.clear();
    }

    /**
     * {@code clear} sealed with the key that sealed its record; an erased record's outcome carries no data and
     * goes clear. A record opened just before its tenant's delete destroyed that key (a write in flight
     * while the tenant is deleted) can no longer have its outcome sealed: it goes out as erased, with none
     * of its data, instead of failing the commit of every tenant of the group.
     */
    private CommandResult sealed(Pending p, CommandResult clear) {
        if (p.sealedWith() == null || p.failed() != null && p.failed().code() == io.cairn.topics.ErrorCode.TENANT_ERASED) return clear;
        try {
            return Sealing.seal(clear, keys.key(p.command().getTenant(), p.sealedWith()));
        } catch (io.cairn.topics.seal.KeyErasedException e) {
            return CommandResult.newBuilder(clear).setOk(false).setResults(List.of())
                    .setError(CommandError.newBuilder().setCode(io.cairn.topics.ErrorCode.TENANT_ERASED.wire())
                            .setMessage("the tenant was deleted and its data key destroyed: this write's outcome is erased").setStatement(null).build())
                    .build();
        }
    }

    /**
     * {@code state} with its migration errors sealed with the tenant's data key when it has one (they can
     * carry its data); a key destroyed meanwhile (the tenant deleted) leaves the codes and drops the messages.
     */
    private TenantState sealedErrors(TenantState state) {
        if (keys == null || state.getDataKeyId() == null || state.getMigrations().stream().allMatch(v -> v.getError() == null)) return state;
        try {
            return Sealing.sealErrors(state, keys.key(state.getTenant(), state.getDataKeyId()));
        } catch (io.cairn.topics.seal.KeyErasedException e) {
            List<SetVersion> codesOnly = new ArrayList<>();
            for (SetVersion v : state.getMigrations()) codesOnly.add(SetVersion.newBuilder(v).setError(null).build());
            return TenantState.newBuilder(state).setMigrations(codesOnly).build();
        }
    }

    static CommandResult result(TenantCommand command, Bookmark position, Outcome outcome, long nowMillis) {
        return result(Pending.of(command, position, outcome), nowMillis);
    }

    private static CommandResult result(Pending p, long nowMillis) {
        CommandResult.Builder b = CommandResult.newBuilder()
                .setCommandId(p.command().getCommandId())
                .setTenant(p.command().getTenant())
                .setPartition(p.position().partition())
                .setOffset(p.position().offset())
                .setAppliedTimeMs(nowMillis)
                .setOk(p.applied() != null)
                .setIdempotentReplay(p.replayed())
                .setError(null)
                .setResults(List.of());
        if (p.applied() != null) {
            b.setResults(p.applied().results());
        } else {
            b.setError(CommandError.newBuilder().setCode(p.failed().code().wire()).setMessage(p.failed().message())
                    .setStatement(p.failed().statement()).setRaised(p.failed().raised()).setSqliteCode(p.failed().sqliteCode()).build());
        }
        return b.build();
    }

    /** Every migration set the tenant met: its version and the last run's failure. */
    private static List<SetVersion> migrationsOf(TenantDatabase db) throws SQLException {
        List<SetVersion> sets = new ArrayList<>();
        try (ResultSet rs = db.prepare(TenantSchema.MIGRATION_STATUSES).executeQuery()) {
            while (rs.next()) {
                int failed = rs.getInt(4);
                boolean didFail = !rs.wasNull();
                sets.add(SetVersion.newBuilder().setSet(rs.getString(1)).setVersion(rs.getInt(2)).setRunId(rs.getString(3))
                        .setFailedVersion(didFail ? failed : null).setErrorCode(rs.getString(5)).setError(rs.getString(6)).build());
            }
        }
        return sets;
    }

    /** The tenant's metadata as of its last commit, read from its own tables; cold when a Frozen of the group made it so. */
    static TenantState stateOf(TenantDatabase db) throws SQLException {
        TenantState.Builder b = TenantState.newBuilder()
                .setTenant(db.tenant)
                .setTier(db.goingColdFrom() >= 0 ? Tier.COLD : Tier.HOT)
                .setPartition(db.applied().partition())
                .setAppliedOffset(db.applied().offset())
                .setSizeBytes(db.sizeBytes())
                .setLatestSnapshot(null);
        try (ResultSet rs = db.prepare("SELECT created_at_ms, last_write_ms, schema_version, created_offset, data_key_id FROM _cairn_tenant WHERE id = 0")
                .executeQuery()) {
            if (!rs.next()) throw new SQLException("tenant database without _cairn_tenant row: " + db.tenant);
            b.setCreatedAtMs(rs.getLong(1)).setLastWriteMs(rs.getLong(2)).setSchemaVersion(rs.getInt(3)).setCreatedOffset(rs.getLong(4))
                    .setDataKeyId(rs.getString(5));
        }
        TenantDatabase.CairnRows rows = db.cairnRows();
        if (rows == null) {
            rows = cairnRowsOf(db);
            db.cairnRows(rows);
        }
        b.setKeys(rows.keys()).setWrites(writesOf(db)).setMigrations(rows.migrations()).setSchemaSha256(db.schemaHash())
                .setSnapshot(rows.snapshot()).setLatestSnapshot(rows.snapshot() == null ? null : rows.snapshot().getKey());
        return b.build();
    }

    private static TenantDatabase.CairnRows cairnRowsOf(TenantDatabase db) throws SQLException {
        List<ApiKey> keys = new ArrayList<>();
        try (ResultSet rs = db.prepare("SELECT key_id, secret_sha256, scopes, created_at_ms, revoked FROM _cairn_keys ORDER BY key_id")
                .executeQuery()) {
            while (rs.next()) {
                keys.add(ApiKey.newBuilder().setKeyId(rs.getString(1)).setSecretSha256(rs.getString(2))
                        .setScopes(Arrays.asList(rs.getString(3).split(","))).setCreatedAtMs(rs.getLong(4))
                        .setRevoked(rs.getInt(5) != 0).build());
            }
        }
        SnapshotRef snapshot = null;
        try (ResultSet rs = db.prepare(TenantSchema.NEWEST_SNAPSHOT).executeQuery()) {
            if (rs.next()) {
                snapshot = SnapshotRef.newBuilder().setOffset(rs.getLong(1)).setSizeBytes(rs.getLong(2)).setStoredBytes(rs.getLong(3))
                        .setSha256(rs.getString(4)).setKey(rs.getString(5)).setTakenAtMs(rs.getLong(6)).build();
            }
        }
        return new TenantDatabase.CairnRows(List.copyOf(keys), List.copyOf(migrationsOf(db)), snapshot);
    }

    /** The totals and the last two days with writes, from {@code _cairn_usage}. */
    private static WriteUsage writesOf(TenantDatabase db) throws SQLException {
        WriteUsage.Builder w = WriteUsage.newBuilder().setStatements(0).setRowsWritten(0);
        List<DayWrites> days = new ArrayList<>(2);
        try (ResultSet rs = db.prepare("SELECT day, statements, rows_written FROM _cairn_usage WHERE day = "
                + TenantSchema.USAGE_TOTAL_DAY + " UNION ALL SELECT * FROM (SELECT day, statements, rows_written FROM _cairn_usage"
                + " WHERE day >= 0 ORDER BY day DESC LIMIT 2)")
                .executeQuery()) {
            while (rs.next()) {
                if (rs.getInt(1) == TenantSchema.USAGE_TOTAL_DAY) {
                    w.setStatements(rs.getLong(2)).setRowsWritten(rs.getLong(3));
                } else {
                    days.addFirst(DayWrites.newBuilder().setDay(rs.getInt(1)).setStatements(rs.getLong(2)).setRowsWritten(rs.getLong(3)).build());
                }
            }
        }
        return w.setDays(days).build();
    }
}
