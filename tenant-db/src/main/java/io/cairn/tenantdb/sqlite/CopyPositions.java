package io.cairn.tenantdb.sqlite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * How far a copy of the tenants (the hot volume, or a replica's directory) has applied each partition of
 * the tenant log: {@code <dir>/cairn-positions.db}, written by the applier of that directory after each
 * group commit, read by edges for strong reads and replica lag.
 *
 * <p>The contract, per partition: every record below {@code next_offset} is in the copy's files, except
 * those of the tenants listed as <em>pending</em> for the partition (their records wait in the heavy lane
 * or for a thaw; a tenant leaves the list only once all of them are committed). So a tenant not pending,
 * on a partition whose {@code next_offset} is at least E, has every one of its records below E applied.
 * {@code next_offset} only moves forward. The file is not synced (a lost update only makes the copy look
 * behind), and is no part of a tenant's data: deleting it makes the copy look empty until the next commit.
 *
 * <p>{@link #open} gives the writer; {@link #reader} a read-only view. Both are thread-safe.
 */
public final class CopyPositions implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CopyPositions.class);
    private final Path file;
    private Connection conn;
    /**
     * The writer's statements, each prepared once per connection: an applier publishes every millisecond while it applies,
     * and preparing them each time was a sixth of its stream thread's CPU while it handed a fleet run on (a profile).
     */
    private final Map<String, PreparedStatement> prepared = new HashMap<>();
    /** Moves each time a damaged file is made again: whoever published before publishes everything again. */
    private long generation;

    private CopyPositions(Path file, Connection conn) {
        this.file = file;
        this.conn = conn;
    }

    /**
     * The writer of {@code files}' copy: creates the file when missing, and again when it is damaged (it is advisory:
     * an empty one makes the copy look behind until its partitions publish again, never ahead). A damaged one was never
     * healed: every strong read of the copy waited out its timeout, across restarts.
     */
    public static CopyPositions open(TenantFiles files) throws SQLException {
        try {
            return new CopyPositions(files.positionsFile(), connect(files.positionsFile()));
        } catch (SQLException e) {
            if (!IntegrityCheck.isCorruption(e)) throw e;
            log.warn("the copy's positions file {} is damaged ({}); making it again", files.positionsFile(), e.getMessage());
            remove(files.positionsFile());
            return new CopyPositions(files.positionsFile(), connect(files.positionsFile()));
        }
    }

    private static Connection connect(Path file) throws SQLException {
        Connection conn = SqliteConnections.openBookkeeping(file, SQLiteConfig.SynchronousMode.OFF);
        try (Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS partitions (log_partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL,"
                    + " updated_at INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS pending (log_partition INTEGER NOT NULL, tenant TEXT NOT NULL,"
                    + " PRIMARY KEY (log_partition, tenant)) WITHOUT ROWID");
        } catch (SQLException e) {
            conn.close();
            throw e;
        }
        return conn;
    }

    private static void remove(Path file) throws SQLException {
        try {
            for (String suffix : new String[] {"", "-wal", "-shm"}) Files.deleteIfExists(Path.of(file + suffix));
        } catch (java.io.IOException io) {
            throw new SQLException("cannot remove the damaged positions file " + file, io);
        }
    }

    /** Counts the times the file was made again since this writer opened: a publisher that saw another count publishes all. */
    public synchronized long generation() {
        return generation;
    }

    /**
     * Records that {@code partition} is applied below {@code nextOffset} but for its pending tenants, which
     * {@code added} joined and {@code removed} left ({@code replace}: the pending tenants are exactly
     * {@code added}). One transaction: a reader never sees the offset without the tenants it excludes.
     */
    public synchronized void publish(int partition, long nextOffset, Collection<String> added, Collection<String> removed,
            boolean replace, long nowMillis) throws SQLException {
        conn.setAutoCommit(false);
        try {
            if (replace) {
                PreparedStatement ps = statement("DELETE FROM pending WHERE log_partition = ?");
                ps.setInt(1, partition);
                ps.executeUpdate();
            }
            if (!removed.isEmpty() && !replace) {
                PreparedStatement ps = statement("DELETE FROM pending WHERE log_partition = ? AND tenant = ?");
                for (String t : removed) {
                    ps.setInt(1, partition);
                    ps.setString(2, t);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            if (!added.isEmpty()) {
                PreparedStatement ps = statement("INSERT OR IGNORE INTO pending (log_partition, tenant) VALUES (?, ?)");
                for (String t : added) {
                    ps.setInt(1, partition);
                    ps.setString(2, t);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            PreparedStatement ps = statement("INSERT INTO partitions (log_partition, next_offset, updated_at)"
                    + " VALUES (?, ?, ?) ON CONFLICT (log_partition) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset),"
                    + " updated_at = excluded.updated_at");
            ps.setInt(1, partition);
            ps.setLong(2, nextOffset);
            ps.setLong(3, nowMillis);
            ps.executeUpdate();
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            forgetStatements(); // a failed batch may have left its rows behind in its statement
            if (e instanceof SQLException s && IntegrityCheck.isCorruption(s)) {
                log.warn("the copy's positions file {} is damaged ({}); making it again", file, e.getMessage());
                conn.close();
                remove(file);
                conn = connect(file);
                generation++;
                throw e;
            }
            FailedTransactions.end(conn, e);
            throw e;
        }
        conn.setAutoCommit(true);
    }

    /** {@code sql} prepared on the connection, once per connection. */
    private PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = conn.prepareStatement(sql);
            prepared.put(sql, ps);
        }
        return ps;
    }

    private void forgetStatements() {
        for (PreparedStatement ps : prepared.values()) {
            try {
                ps.close();
            } catch (SQLException e) {
                log.debug("closing a statement of {}: {}", file, e.toString());
            }
        }
        prepared.clear();
    }

    @Override
    public synchronized void close() throws SQLException {
        forgetStatements();
        conn.close();
    }

    /** A read-only view of the positions {@code files}' applier publishes; the file need not exist yet. */
    public static Reader reader(TenantFiles files) {
        return new Reader(files.positionsFile());
    }

    /** Reads a copy's positions. Opens the file on first use once it exists; thread-safe. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private Connection conn;

        private Reader(Path file) {
            this.file = file;
        }

        /** Per partition, the offset below which the copy has applied everything but its pending tenants; empty before any. */
        public synchronized Map<Integer, Long> nextOffsets() throws SQLException {
            Map<Integer, Long> out = new HashMap<>();
            if (!connect()) return out;
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT log_partition, next_offset FROM partitions")) {
                while (rs.next()) out.put(rs.getInt(1), rs.getLong(2));
            } catch (SQLException e) {
                if (!notCreatedYet(e)) throw drop(e);
            }
            return out;
        }

        /** How many tenants' records wait behind their partition's offset (a heavy record in the lane, a thaw), over every partition. */
        public synchronized long waitingTenants() throws SQLException {
            if (!connect()) return 0;
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pending")) {
                return rs.next() ? rs.getLong(1) : 0;
            } catch (SQLException e) {
                if (notCreatedYet(e)) return 0;
                throw drop(e);
            }
        }

        /** True when the copy holds every record of {@code tenant} below {@code endExclusive} on {@code partition}. */
        public synchronized boolean holds(int partition, String tenant, long endExclusive) throws SQLException {
            if (!connect()) return endExclusive <= 0;
            conn.setAutoCommit(false); // one read transaction: the offset and the pending list belong together
            try {
                long next = -1;
                try (PreparedStatement ps = conn.prepareStatement("SELECT next_offset FROM partitions WHERE log_partition = ?")) {
                    ps.setInt(1, partition);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) next = rs.getLong(1);
                    }
                }
                if (endExclusive <= 0) return true;
                if (next < endExclusive) return false;
                try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM pending WHERE log_partition = ? AND tenant = ?")) {
                    ps.setInt(1, partition);
                    ps.setString(2, tenant);
                    try (ResultSet rs = ps.executeQuery()) {
                        return !rs.next();
                    }
                }
            } catch (SQLException e) {
                if (notCreatedYet(e)) return false;
                throw drop(e);
            } finally {
                if (conn != null) {
                    conn.commit();
                    conn.setAutoCommit(true);
                }
            }
        }

        /** Closes the connection after a failure, so the next read opens the file again (the writer may have made it anew). */
        private SQLException drop(SQLException e) {
            try {
                conn.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            conn = null;
            return e;
        }

        /** The writer created the file but not its tables yet: nothing is published. */
        private static boolean notCreatedYet(SQLException e) {
            return e.getMessage() != null && e.getMessage().contains("no such table");
        }

        private boolean connect() throws SQLException {
            if (conn != null) return true;
            if (!Files.exists(file)) return false;
            SQLiteConfig config = new SQLiteConfig();
            config.setReadOnly(true);
            config.setBusyTimeout(1_000);
            conn = config.createConnection("jdbc:sqlite:" + file);
            return true;
        }

        @Override
        public synchronized void close() throws SQLException {
            if (conn != null) conn.close();
            conn = null;
        }
    }
}
