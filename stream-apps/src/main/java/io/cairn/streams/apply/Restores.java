package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.IntegrityCheck;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.RestoreFrom;
import io.cairn.topics.avro.TenantCommand;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@code RestoreFrom} to the tenant's file, before the record itself is applied: the content
 * the record names (this tenant's, or for a fork another's, right after a past record) is built by
 * {@link PastContent} in a scratch directory, checked ({@code quick_check}), given what stays the
 * tenant's own whatever its content, and moved into place with the tenant's applied position as it was
 * just before the record. {@link CommandApplier} then applies the record like any other (it only moves
 * the position), so its outcome and the tenant's new state go out with the group, and a crash before
 * that commit makes the record apply again, the same way.
 *
 * <p>What stays the tenant's own: its keys, its snapshots, its usage counts, its idempotency keys (a
 * retried write keeps its first outcome), its creation time. Everything else, its schema and migration
 * versions included, is the restored point's.
 *
 * <p>Deterministic: the verdicts (a point outside the tenant's life) depend on the log only.
 */
final class Restores {
    /** Applies no restore: a {@code RestoreFrom} throws (never a verdict, so no copy answers it differently). */
    static final Restores NONE = new Restores(null, null, false);

    private static final Logger log = LoggerFactory.getLogger(Restores.class);
    /** Cairn's tables that stay the tenant's own across a restore. */
    private static final List<String> KEPT = List.of("_cairn_keys", "_cairn_idempotency", "_cairn_usage", "_cairn_snapshots");

    /** How long a replica waits for the primary's snapshot of a fork whose source was erased before the replica applied it. */
    static final java.time.Duration FOLLOW_WAIT = java.time.Duration.ofMinutes(5);

    private final TenantDatabasePool pool;
    private final PastContent past;
    private final boolean live;
    /** Forks waiting for the primary's snapshot (see {@link #followPrimary}), by record, since when. */
    private final Map<Bookmark, Long> following = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param live whether this applies records as they come (the applier, a replica's) rather than replaying
     *     them: a point whose content was erased is then a verdict ({@code tenant_erased}); a replay throws
     *     instead ({@link ErasedContentException}), since the live verdict, given while the keys existed, may
     *     have been another
     */
    Restores(TenantDatabasePool pool, PastContent past, boolean live) {
        this.pool = pool;
        this.past = past;
        this.live = live;
    }

    /**
     * Replaces the tenant's content as {@code r} says, unless the record was applied already or the
     * tenant has no file (the caller's apply then skips it, or answers {@code tenant_not_found}). Returns
     * the verdict when the point cannot be restored (nothing changed), else null.
     */
    Outcome.Failed replace(TenantCommand cmd, RestoreFrom r, Bookmark position) throws SQLException {
        if (past == null) throw new IllegalStateException("a RestoreFrom at " + position + " needs the log, and this applier has none");
        String tenant = cmd.getTenant();
        TenantFiles files = pool.files();
        if (!files.exists(tenant)) return null;
        String source = r.getSourceTenant() == null ? tenant : r.getSourceTenant();
        int partition = r.getSourcePartition() == null ? position.partition() : r.getSourcePartition();
        if (!TenantId.isValid(source)) return refused(ErrorCode.INVALID_TENANT, "invalid source tenant id");
        boolean imported = r.getImportKey() != null;
        Long at = r.getAtOffset();
        if (!imported && (at == null || at < 0 || (partition == position.partition() && at >= position.offset()))) {
            return refused(ErrorCode.RESTORE_OUT_OF_RANGE, "the point to restore must be a record before the restore's own ("
                    + position + "), was " + partition + ":" + at);
        }
        TenantDatabase current = pool.acquire(tenant);
        Bookmark before;
        Kept kept;
        try {
            if (current.inTransaction()) throw new IllegalStateException("tenant " + tenant + ": restore with its group open");
            before = TenantSchema.appliedPosition(current.connection());
            if (position.offset() <= before.offset()) return null; // applied before: the caller skips it
            kept = Kept.read(current.connection());
            try (Statement s = current.connection().createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)"); // the file alone holds everything, whatever happens next
            }
        } finally {
            pool.discard(tenant);
        }
        if (!imported && source.equals(tenant) && kept.createdOffset() >= 0 && at < kept.createdOffset()) {
            return refused(ErrorCode.RESTORE_OUT_OF_RANGE, "the tenant was created at " + position.partition() + ":" + kept.createdOffset()
                    + "; restore to that point or a later one, not " + partition + ":" + at);
        }
        Path scratch = files.scratchDir(tenant);
        long start = System.nanoTime();
        try {
            if (imported) {
                source = tenant;
                try {
                    past.fetchImport(tenant, r.getImportKey(), r.getImportSha256(), r.getImportSizeBytes() == null ? -1 : r.getImportSizeBytes(), scratch);
                } catch (io.cairn.topics.seal.KeyErasedException e) {
                    // Sealed with a key a later delete destroyed (a replay of an erased tenant): passed over like its writes.
                    return refused(ErrorCode.TENANT_ERASED, "the tenant's data key was destroyed: this import is erased");
                }
            } else {
                boolean existed;
                try {
                    // In place the point is at or after the tenant's creation (checked above): the build starts there.
                    existed = past.build(source, partition, source.equals(tenant) ? kept.createdOffset() : -1,
                            lastRecordThrough(tenant, source, partition, at, before, kept), scratch);
                } catch (ErasedContentException e) {
                    if (!live) throw e;
                    if (!source.equals(tenant) && past.followsPrimary()
                            && followPrimary(tenant, position, kept.createdOffset(), scratch, files)) return null;
                    // The source was deleted (its data keys destroyed) after the request, before this record: all or nothing.
                    return refused(ErrorCode.TENANT_ERASED, "tenant '" + source + "' was deleted (its data keys destroyed) before this"
                            + " record was applied: its content at " + partition + ":" + at + " can no longer be read");
                }
                if (!existed) return refused(ErrorCode.RESTORE_OUT_OF_RANGE, "tenant '" + source + "' did not exist at " + partition + ":" + at);
            }
            Path built = new TenantFiles(scratch).database(source);
            String problem = IntegrityCheck.problem(source, built, pool.limits()).orElse(null);
            if (problem != null) throw new SQLException("tenant " + tenant + ": the content built for " + partition + ":" + at + " fails quick_check: " + problem);
            try (TenantConnection c = SqliteConnections.openWritable(tenant, built, pool.limits())) {
                TenantSchema.create(c.connection()); // an imported file has none of Cairn's tables; a restored one has them
                TenantSchema.ensureLaterTables(c.connection());
                if (!imported && source.equals(tenant) && kept.createdAtMs() != createdAt(c.connection())) {
                    return refused(ErrorCode.RESTORE_OUT_OF_RANGE, "at " + partition + ":" + at + " the tenant was an earlier one"
                            + " of the same name (deleted since): restore to a point after its creation");
                }
                kept.writeInto(c.connection(), tenant, before, position.offset(), cmd.getIngressTimeMs());
            }
            FaultPoints.reach(FaultPoints.RESTORE_BUILT);
            files.install(tenant, built);
            FaultPoints.reach(FaultPoints.RESTORE_PLACED);
            log.info("tenant {}: content replaced by {} for the record at {} in {} ms", tenant,
                    imported ? "import " + r.getImportKey() : source + "'s at " + partition + ":" + at, position, (System.nanoTime() - start) / 1_000_000);
            return null;
        } catch (IOException e) {
            throw new SQLException("could not place the restored content of " + tenant, e);
        } finally {
            TenantRecovery.deleteTree(scratch);
        }
    }

    /**
     * A replica meeting a fork whose source was erased since the primary applied it: the primary built the fork
     * while the source existed and stored the fork's own snapshot at once, so the replica places that snapshot
     * (the fork at the fork's record or later; the fork's records up to it are then skipped as applied).
     * Returns true when placed. While the store has none yet, the tenant waits (a store failure: the heavy
     * lane tries again later) for up to {@link #FOLLOW_WAIT}; then, or when the fork itself was erased since,
     * false: the primary refused it too, or its snapshot is lost (logged: this copy of the fork then differs).
     */
    private boolean followPrimary(String tenant, Bookmark position, long createdOffset, Path scratch, TenantFiles files) throws SQLException {
        Bookmark placed;
        try {
            placed = past.placeForkSnapshot(tenant, position.partition(), position.offset(), createdOffset, scratch);
        } catch (io.cairn.topics.seal.KeyErasedException e) {
            following.remove(position);
            return false; // the fork was deleted since: its own records and snapshots are erased too
        }
        if (placed == null) {
            long since = following.computeIfAbsent(position, p -> System.nanoTime());
            if (System.nanoTime() - since < FOLLOW_WAIT.toNanos()) {
                throw new io.cairn.connectors.snapshot.SnapshotStoreException("download", tenant, position.offset(), "the fork's source is"
                        + " erased; waiting for the primary's snapshot of the fork taken at or after " + position, null);
            }
            following.remove(position);
            log.error("tenant {}: no snapshot of the fork at or after {} came within {}: this copy refuses the fork, as the primary did"
                    + " unless the primary's snapshot was lost (then rebuild this copy of it)", tenant, position, FOLLOW_WAIT);
            return false;
        }
        following.remove(position);
        Path file = new TenantFiles(scratch).database(tenant);
        String problem = IntegrityCheck.problem(tenant, file, pool.limits()).orElse(null);
        if (problem != null) throw new SQLException("tenant " + tenant + ": the primary's snapshot at " + placed + " fails quick_check: " + problem);
        try {
            files.install(tenant, file);
        } catch (IOException e) {
            throw new SQLException("could not place the snapshot of the fork " + tenant, e);
        }
        log.info("tenant {}: the fork's source is erased; placed the primary's snapshot of the fork at {} for the record at {}",
                tenant, placed, position);
        return true;
    }

    private static Outcome.Failed refused(ErrorCode code, String message) {
        return new Outcome.Failed(code, message, null);
    }

    private static long createdAt(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT created_at_ms FROM _cairn_tenant WHERE id = 0")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    /** The rows of Cairn's tables that stay the tenant's own, read from its current file. */
    private record Kept(Map<String, List<Map<String, Object>>> tables, Map<String, Object> tenantRow) {
        long createdAtMs() {
            return ((Number) tenantRow.get("created_at_ms")).longValue();
        }

        long createdOffset() {
            Object v = tenantRow.get("created_offset");
            return v == null ? -1 : ((Number) v).longValue();
        }

        static Kept read(Connection c) throws SQLException {
            Map<String, List<Map<String, Object>>> tables = new LinkedHashMap<>();
            for (String table : KEPT) tables.put(table, rows(c, table));
            List<Map<String, Object>> tenant = rows(c, "_cairn_tenant");
            if (tenant.isEmpty()) throw new SQLException("not a Cairn tenant file: no _cairn_tenant row");
            return new Kept(tables, tenant.getFirst());
        }

        /**
         * Replaces the kept tables' rows in the built file, names it {@code tenant}, sets its applied position and last write
         * ({@code writtenAtMs}, the record's ingress time), and records the restore's own offset ({@code restored_offset}: a snapshot at or after it is due, see
         * {@link RetentionGuard}).
         */
        void writeInto(Connection c, String tenant, Bookmark applied, long restoredOffset, long writtenAtMs) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                for (var e : tables.entrySet()) {
                    s.execute("DELETE FROM " + e.getKey());
                    for (Map<String, Object> row : e.getValue()) insert(c, e.getKey(), row);
                }
                // The content's schema version stays (an import has none: 0); the rest is the tenant's.
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO _cairn_tenant (id, tenant, created_at_ms, last_write_ms,"
                        + " created_offset, data_key_id, restored_offset) VALUES (0, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                        + " tenant = excluded.tenant, created_at_ms = excluded.created_at_ms, last_write_ms = excluded.last_write_ms,"
                        + " created_offset = excluded.created_offset, data_key_id = excluded.data_key_id, restored_offset = excluded.restored_offset")) {
                    ps.setString(1, tenant);
                    ps.setObject(2, tenantRow.get("created_at_ms"));
                    // The content changed: a write at the record's time (it showed the last write before the restore)
                    ps.setLong(3, Math.max(((Number) tenantRow.get("last_write_ms")).longValue(), writtenAtMs));
                    ps.setLong(4, createdOffset());
                    ps.setObject(5, tenantRow.get("data_key_id")); // the tenant's own key stays current
                    ps.setLong(6, restoredOffset);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO _cairn_applied (id, log_partition, log_offset)"
                        + " VALUES (0, ?, ?)")) {
                    ps.setInt(1, applied.partition());
                    ps.setLong(2, applied.offset());
                    ps.executeUpdate();
                }
                s.execute("COMMIT");
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
        }

        private static List<Map<String, Object>> rows(Connection c, String table) throws SQLException {
            List<Map<String, Object>> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) row.put(md.getColumnName(i), rs.getObject(i));
                    out.add(row);
                }
            } catch (SQLException e) {
                if (e.getMessage() != null && e.getMessage().contains("no such table")) return out; // a file from before the table
                throw e;
            }
            return out;
        }

        private static void insert(Connection c, String table, Map<String, Object> row) throws SQLException {
            String columns = String.join(", ", row.keySet());
            String slots = String.join(", ", row.keySet().stream().map(k -> "?").toList());
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (" + columns + ") VALUES (" + slots + ")")) {
                int i = 1;
                for (Object v : row.values()) ps.setObject(i++, v);
                ps.executeUpdate();
            }
        }
    }

    /**
     * The offset to build the point {@code at} for: in place, past the tenant's last record before this restore
     * ({@code before}: the applier applied every earlier record of it), that record; the records between are other
     * tenants', so the content is the same, and a build of it never reads what a busy neighbour wrote after it.
     */
    private static long lastRecordThrough(String tenant, String source, int partition, long at, Bookmark before, Kept kept) {
        boolean inPlace = source.equals(tenant) && before.partition() == partition && before.offset() >= 0
                && before.offset() >= kept.createdOffset();
        return inPlace ? Math.min(at, before.offset()) : at;
    }
}
