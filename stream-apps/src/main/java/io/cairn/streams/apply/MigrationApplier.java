package io.cairn.streams.apply;

import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.ApplyMigration;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.TenantCommand;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies an {@code ApplyMigration} record to a tenant: every version of the record's set above the
 * tenant's own, up to the target, runs in the record's savepoint, so all of them apply or none. The
 * statements go through {@link BatchExecutor} as one batch: the same statement policy, deterministic
 * functions and work budget as a write, so a replay reaches the same verdict. Each applied version is
 * recorded in {@code _cairn_migrations}; after the savepoint is released or rolled back, the set's
 * status row ({@code _cairn_migration_status}) records the version reached and, on a failure, which
 * version failed and why: that row is what the tenant's state, and so the run's status, reports. A dry
 * run rolls its versions back whatever happens and records nothing: its outcome is its answer.
 */
final class MigrationApplier {
    private final BatchExecutor batches;

    MigrationApplier(BatchExecutor batches) {
        this.batches = batches;
    }

    /** Runs the pending versions inside the record's savepoint; a failure names the version and statement. */
    Outcome apply(TenantDatabase db, TenantCommand cmd, ApplyMigration m, Budget budget)
            throws SQLException, BatchExecutor.NeedsFullBudget {
        if (m.getSet().isEmpty()) return Outcome.failed(ErrorCode.INVALID_REQUEST, "an ApplyMigration names no migration set");
        int current = version(db, m.getSet());
        List<MigrationVersion> pending = new ArrayList<>();
        List<Statement> statements = new ArrayList<>();
        List<Integer> versionOf = new ArrayList<>();
        int expected = current + 1;
        for (MigrationVersion v : m.getVersions()) {
            if (v.getVersion() <= current || v.getVersion() > m.getVersion()) continue;
            if (v.getVersion() != expected) {
                return Outcome.failed(ErrorCode.VERSION_GAP, "version " + expected + " of set '" + m.getSet() + "' is missing from the record");
            }
            expected++;
            pending.add(v);
            for (String sql : v.getStatements()) {
                statements.add(Statement.newBuilder().setSql(sql).build());
                versionOf.add(v.getVersion());
            }
        }
        if (current < m.getVersion() && expected <= m.getVersion()) {
            return Outcome.failed(ErrorCode.VERSION_GAP, "the record holds set '" + m.getSet() + "' only up to version " + (expected - 1)
                    + ", not " + m.getVersion());
        }
        if (pending.isEmpty()) return new Outcome.Applied(List.of());
        // A migration never runs on the stream thread: other tenants' writes would queue behind a fleet
        // run's records. The heavy lane applies it (and the tenant's later records), with the full budget.
        if (budget.quick()) throw new BatchExecutor.NeedsFullBudget();
        db.clock.set(cmd.getSeed(), cmd.getIngressTimeMs());
        Outcome ran = batches.run(db, statements, budget);
        if (m.getDryRun()) undo(db); // whatever happened, nothing of it stays
        if (ran instanceof Outcome.Failed f) {
            int i = f.statement() == null ? 0 : f.statement();
            int failedVersion = versionOf.get(Math.min(i, versionOf.size() - 1));
            int first = versionOf.indexOf(failedVersion);
            return new Outcome.Failed(f.code(), "version " + failedVersion + ", statement " + (i - first + 1) + ": " + f.message(), i);
        }
        if (m.getDryRun()) return new Outcome.Applied(List.of());
        PreparedStatement ps = db.prepare("INSERT INTO _cairn_migrations (set_name, version, checksum, run_id, applied_at_ms)"
                + " VALUES (?, ?, ?, ?, ?)"); // cached by the database: not closed here
        for (MigrationVersion v : pending) {
            ps.setString(1, m.getSet());
            ps.setInt(2, v.getVersion());
            ps.setString(3, v.getChecksum());
            ps.setString(4, m.getMigrationId());
            ps.setLong(5, cmd.getIngressTimeMs());
            ps.executeUpdate();
        }
        // The tenant's schema_version (state, control plane, the fleet listing's filter) is the version it
        // reached in the set it migrated last: one set, as most deployments have, reads naturally.
        PreparedStatement sv = db.prepare("UPDATE _cairn_tenant SET schema_version = ? WHERE id = 0");
        sv.setInt(1, pending.getLast().getVersion());
        sv.executeUpdate();
        return new Outcome.Applied(List.of());
    }

    /**
     * A tenant just created from a template: the set's versions in its file (recorded when the template was
     * prepared, or run in the creation) count as applied at its creation, and its schema_version is the
     * set's.
     */
    void dateTemplate(TenantDatabase db, String set, long createdAtMs) throws SQLException {
        PreparedStatement dated = db.prepare("UPDATE _cairn_migrations SET applied_at_ms = ? WHERE set_name = ? AND run_id = ?");
        dated.setLong(1, createdAtMs);
        dated.setString(2, set);
        dated.setString(3, TenantTemplates.RUN);
        dated.executeUpdate();
        PreparedStatement sv = db.prepare("UPDATE _cairn_tenant SET schema_version = ? WHERE id = 0");
        sv.setInt(1, version(db, set));
        sv.executeUpdate();
    }

    /**
     * Records the set's status after the record's savepoint is gone: the version reached, the run, and on
     * a failure the version that failed with its error (what the run's status reports).
     */
    void recordStatus(TenantDatabase db, ApplyMigration m, Outcome outcome) throws SQLException {
        if (m.getSet().isEmpty() || m.getDryRun() || !(outcome instanceof Outcome.Applied || outcome instanceof Outcome.Failed)) return;
        int version = version(db, m.getSet());
        PreparedStatement ps = db.prepare("INSERT OR REPLACE INTO _cairn_migration_status"
                + " (set_name, version, run_id, failed_version, error_code, error) VALUES (?, ?, ?, ?, ?, ?)");
        ps.setString(1, m.getSet());
        ps.setInt(2, version);
        ps.setString(3, m.getMigrationId());
        if (outcome instanceof Outcome.Failed f) {
            ps.setInt(4, failedVersion(f, version));
            ps.setString(5, f.code().wire());
            ps.setString(6, f.message());
        } else {
            ps.setNull(4, java.sql.Types.INTEGER);
            ps.setNull(5, java.sql.Types.VARCHAR);
            ps.setNull(6, java.sql.Types.VARCHAR);
        }
        ps.executeUpdate();
    }

    /** The version named by a failure's message ("version N, ..."), else the one after the tenant's. */
    private static int failedVersion(Outcome.Failed f, int current) {
        String msg = f.message();
        if (msg.startsWith("version ")) {
            int end = msg.indexOf(',');
            try {
                return Integer.parseInt(msg.substring("version ".length(), end < 0 ? msg.length() : end).trim());
            } catch (NumberFormatException notOurs) {
                // fall through
            }
        }
        return current + 1;
    }

    /** Rolls the record's savepoint back; a transaction SQLite ended itself is left to the caller's failure path. */
    private static void undo(TenantDatabase db) throws SQLException {
        try {
            db.execute("ROLLBACK TO cairn_record");
        } catch (SQLException e) {
            if (e.getMessage() == null || !e.getMessage().contains("no such savepoint")) throw e;
        }
    }

    /** The highest version of {@code set} the tenant applied; 0 when none. */
    static int version(TenantDatabase db, String set) throws SQLException {
        PreparedStatement ps = db.prepare("SELECT coalesce(max(version), 0) FROM _cairn_migrations WHERE set_name = ?");
        ps.setString(1, set);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
