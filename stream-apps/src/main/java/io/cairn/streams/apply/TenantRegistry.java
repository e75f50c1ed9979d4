package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.avro.TenantCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * Which tenants the log says exist, per hot directory ({@link TenantFiles#registryFile()}), kept so that a
 * tenant whose file went missing can be told from a tenant that never was: the first is rebuilt from
 * the log, the second answered {@code tenant_not_found}.
 *
 * <p>For each tenant it keeps the offset of the last CreateTenant that took effect and of the last
 * DeleteTenant seen; the tenant exists before offset {@code Y} when its create is below {@code Y} and
 * no delete follows the create. Offsets only move forward ({@code max}), so writing a mark again on
 * redelivery changes nothing.
 *
 * <p>Why it is safe: a create's mark is written, durably, after the create applied in its group's open
 * transaction and before that transaction commits (the group writes all its creates' marks in one
 * transaction, one fsync, right before its tenants commit: {@link #createdAll}), so a committed tenant is always known (a crash in
 * between leaves a mark for a create that will be applied again when its record is redelivered). A
 * delete's mark is written before the file is deleted, so a missing file is never taken for a lost
 * one once the delete is underway. Both marks are functions of the log prefix applied, never of timing.
 *
 * <p>It also keeps each cold tenant's tail ({@link ColdTail}): with its file gone, the registry is what
 * tells a cold tenant from a lost file, and which records a thaw applies on top of the snapshot.
 *
 * <p>Thread-safe: stream threads of one instance share it; other processes on the same hot directory
 * are serialized by SQLite's lock.
 */
final class TenantRegistry implements AutoCloseable {
    private static final String INSERT_DEFERRED = "INSERT INTO deferred (log_partition, log_offset, tenant) VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
    private static final String DELETE_DEFERRED = "DELETE FROM deferred WHERE log_partition = ? AND log_offset = ?";

    private final Connection conn;

    private TenantRegistry(Connection conn) {
        this.conn = conn;
    }

    /**
     * Opens (creating) the registry. {@code lostIfNew}: the hot directory has applied records before (it holds tenant
     * files or published positions), so a registry made now knows none of its tenants: it is marked incomplete, for good
     * (until a rebuild's registry replaces it), and {@link #existsBefore} then leaves a tenant it does not know to the
     * log rather than answer that it never was.
     */
    static TenantRegistry open(Path file, java.util.function.BooleanSupplier lostIfNew) throws SQLException {
        boolean made = !java.nio.file.Files.exists(file);
        // FULL, unlike tenant files: a mark must never be lost while the create it describes survives.
        Connection conn = io.cairn.tenantdb.sqlite.SqliteConnections.openBookkeeping(file, SQLiteConfig.SynchronousMode.FULL);
        try (Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS facts (fact TEXT PRIMARY KEY, value TEXT)");
            if (made && lostIfNew.getAsBoolean()) {
                s.execute("INSERT OR IGNORE INTO facts VALUES ('incomplete_since', datetime('now'))");
                org.slf4j.LoggerFactory.getLogger(TenantRegistry.class).error("the tenant registry {} was missing though this hot directory"
                        + " applied records before: made again, it knows none of the tenants; a record of a tenant it does not know whose"
                        + " file is missing is looked up in the log (rebuilt from its snapshot and the log, or answered tenant_not_found"
                        + " when the log has no such tenant). Run cairn rebuild and put its cairn-tenants.db in place for a complete one", file);
            }
            s.execute("CREATE TABLE IF NOT EXISTS tenants (tenant TEXT PRIMARY KEY, log_partition INTEGER NOT NULL,"
                    + " created_offset INTEGER NOT NULL DEFAULT -1, deleted_offset INTEGER NOT NULL DEFAULT -1)");
            s.execute("CREATE TABLE IF NOT EXISTS deferred (log_partition INTEGER NOT NULL, log_offset INTEGER NOT NULL,"
                    + " tenant TEXT NOT NULL, PRIMARY KEY (log_partition, log_offset))");
            s.execute("CREATE TABLE IF NOT EXISTS cold_records (tenant TEXT NOT NULL, log_partition INTEGER NOT NULL,"
                    + " log_offset INTEGER NOT NULL, snapshot_offset INTEGER NOT NULL, record BLOB NOT NULL,"
                    + " PRIMARY KEY (tenant, log_offset))");
        } catch (SQLException e) {
            conn.close();
            throw e;
        }
        TenantRegistry registry = new TenantRegistry(conn);
        registry.incomplete = registry.fact("incomplete_since") != null;
        return registry;
    }

    /** Made again after the one that knew the directory's tenants was lost ({@link #open}). */
    private boolean incomplete;

    private String fact(String name) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM facts WHERE fact = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Records that the tenant's CreateTenant at {@code at} took effect. */
    synchronized void created(String tenant, Bookmark at) throws SQLException {
        mark(tenant, at, "created_offset");
    }

    /** {@link #created} for many tenants at once: one transaction, one sync. */
    synchronized void createdAll(Map<String, Bookmark> marks) throws SQLException {
        if (marks.isEmpty()) return;
        inTransaction(() -> {
            for (Map.Entry<String, Bookmark> m : marks.entrySet()) mark(m.getKey(), m.getValue(), "created_offset");
        });
    }

    /** Records the tenant's DeleteTenant at {@code at}. */
    synchronized void deleted(String tenant, Bookmark at) throws SQLException {
        mark(tenant, at, "deleted_offset");
    }

    /**
     * True when, by the log up to (not including) {@code offset}, the tenant was created and not deleted since; also true
     * for a tenant an incomplete registry ({@link #open}) does not know: it may exist, and only the log can tell.
     */
    synchronized boolean existsBefore(String tenant, long offset) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT created_offset, deleted_offset FROM tenants WHERE tenant = ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return incomplete;
                long created = rs.getLong(1);
                long deleted = rs.getLong(2);
                return created >= 0 && created < offset && deleted < created;
            }
        }
    }

    /** The offset of the tenant's last CreateTenant that took effect, or -1 if none is known. */
    synchronized long createdOffset(String tenant) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT created_offset FROM tenants WHERE tenant = ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /**
     * What a cold tenant's file would hold beyond its snapshot: the snapshot's offset, and the tenant's
     * records applied while it had no file (its {@code Frozen}, then any that changed nothing), in order,
     * kept whole: a thaw needs neither the log nor its retention.
     */
    record ColdTail(int partition, long snapshotOffset, List<Long> offsets, List<TenantCommand> records) {
        long last() {
            return offsets.getLast();
        }

        /** The tail's record at {@code position}. */
        TenantCommand record(Bookmark position) {
            int i = offsets.indexOf(position.offset());
            if (position.partition() != partition || i < 0) throw new IllegalArgumentException(position + " is not in the cold tail");
            return records.get(i);
        }
    }

    /**
     * Records that the tenant's record {@code cmd} at {@code at} was applied while it is cold (the first:
     * the {@code Frozen} that made it so, written before its file is removed), and that its snapshot is
     * at {@code snapshotOffset}.
     */
    synchronized void cold(String tenant, Bookmark at, long snapshotOffset, TenantCommand cmd) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO cold_records (tenant, log_partition, log_offset, snapshot_offset,"
                + " record) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, tenant);
            ps.setInt(2, at.partition());
            ps.setLong(3, at.offset());
            ps.setLong(4, snapshotOffset);
            ps.setBytes(5, Serdes.COMMAND.encode(cmd));
            ps.executeUpdate();
        }
    }

    /** The tenant's cold tail, or null when it is not cold (it has a file, or was never frozen). */
    synchronized ColdTail coldTail(String tenant) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT log_partition, snapshot_offset, log_offset, record FROM cold_records WHERE tenant = ? ORDER BY log_offset")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                int partition = rs.getInt(1);
                long snapshot = rs.getLong(2);
                List<Long> offsets = new ArrayList<>();
                List<TenantCommand> records = new ArrayList<>();
                do {
                    offsets.add(rs.getLong(3));
                    records.add(Serdes.COMMAND.decode(rs.getBytes(4)));
                } while (rs.next());
                return new ColdTail(partition, snapshot, offsets, records);
            }
        }
    }

    /**
     * As {@link #cold}, for a tenant going cold now: any tail left from an earlier cold spell (a thaw cut
     * short after its file was placed) is dropped in the same transaction.
     */
    synchronized void coldAfresh(String tenant, Bookmark at, long snapshotOffset, TenantCommand cmd) throws SQLException {
        inTransaction(() -> {
            notCold(tenant);
            cold(tenant, at, snapshotOffset, cmd);
        });
    }

    private interface Work {
        void run() throws SQLException;
    }

    /** Runs {@code work} in one transaction; a failure is thrown as it came ({@link io.cairn.tenantdb.sqlite.FailedTransactions}). */
    private void inTransaction(Work work) throws SQLException {
        conn.setAutoCommit(false);
        try {
            work.run();
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            io.cairn.tenantdb.sqlite.FailedTransactions.end(conn, e);
            throw e;
        }
        conn.setAutoCommit(true);
    }

    /** The tenant has a file again (thawed, deleted, or its freeze never completed): forgets its cold tail. */
    synchronized void notCold(String tenant) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM cold_records WHERE tenant = ?")) {
            ps.setString(1, tenant);
            ps.executeUpdate();
        }
    }

    /**
     * Records that the heavy lane still has to apply {@code at} (of {@code tenant}), before Kafka
     * commits an offset past it: after a crash the record is fetched again from here, not redelivered.
     */
    synchronized void deferred(String tenant, Bookmark at) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(INSERT_DEFERRED)) {
            ps.setInt(1, at.partition());
            ps.setLong(2, at.offset());
            ps.setString(3, tenant);
            ps.executeUpdate();
        }
    }

    /**
     * Records at once (one transaction, one sync) that {@code add} are still to be applied and that
     * {@code remove} were applied durably; see {@link #deferred} and {@link #undeferred}.
     */
    synchronized void deferredChanges(Map<Bookmark, String> add, Collection<Bookmark> remove) throws SQLException {
        if (add.isEmpty() && remove.isEmpty()) return;
        // Each statement prepared once for all its rows: a fleet run hands thousands over between two commits.
        inTransaction(() -> {
            if (!add.isEmpty()) {
                try (PreparedStatement ps = conn.prepareStatement(INSERT_DEFERRED)) {
                    for (Map.Entry<Bookmark, String> e : add.entrySet()) {
                        ps.setInt(1, e.getKey().partition());
                        ps.setLong(2, e.getKey().offset());
                        ps.setString(3, e.getValue());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            if (!remove.isEmpty()) {
                try (PreparedStatement ps = conn.prepareStatement(DELETE_DEFERRED)) {
                    for (Bookmark b : remove) {
                        ps.setInt(1, b.partition());
                        ps.setLong(2, b.offset());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
        });
    }

    /** The heavy lane applied {@code at} durably. */
    synchronized void undeferred(Bookmark at) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(DELETE_DEFERRED)) {
            ps.setInt(1, at.partition());
            ps.setLong(2, at.offset());
            ps.executeUpdate();
        }
    }

    /** The records of {@code partition} the heavy lane has yet to apply, in log order. */
    synchronized List<Bookmark> deferredOf(int partition) throws SQLException {
        List<Bookmark> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT log_offset FROM deferred WHERE log_partition = ? ORDER BY log_offset")) {
            ps.setInt(1, partition);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Bookmark(partition, rs.getLong(1)));
            }
        }
        return out;
    }

    private void mark(String tenant, Bookmark at, String column) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO tenants (tenant, log_partition, " + column + ") VALUES (?, ?, ?)"
                + " ON CONFLICT (tenant) DO UPDATE SET log_partition = excluded.log_partition,"
                + " " + column + " = max(" + column + ", excluded." + column + ")")) {
            ps.setString(1, tenant);
            ps.setInt(2, at.partition());
            ps.setLong(3, at.offset());
            ps.executeUpdate();
        }
    }

    @Override
    public synchronized void close() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // Every mark was committed when it was written.
        }
    }
}
