package io.cairn.edge.read;

import io.cairn.tenantdb.sql.ViewExpansion;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.Bookmark;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The prepared statements of one pooled read connection: the transaction control, the applied-position
 * read, and the most recent user statements. A hot read repeats the same few texts, and compiling them
 * again for every request was a third of its SQLite time. They live and die with their connection
 * (closing a connection finalizes its statements); after any SQL error the connection is discarded,
 * so a statement the driver finalized on failure is never reused. Confined to the borrowing thread.
 */
final class ReadStatements {
    private static final int MAX_CACHED = 32;

    private final Connection conn;
    private final Map<String, PreparedStatement> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= MAX_CACHED) return false;
            try {
                eldest.getValue().close();
            } catch (SQLException ignored) {
                // Closing a read statement cannot lose anything.
            }
            return true;
        }
    };

    private long viewsCookie = -1;
    private Bookmark viewsAt;
    private Map<String, Long> viewSizes = Map.of();

    ReadStatements(Connection conn) {
        this.conn = conn;
    }

    /**
     * The expanded sizes of the tenant's views ({@link ViewExpansion}) in the schema this read transaction sees, at
     * {@code position}, its applied position. Every schema change is a record, so the same position on the same file (a
     * pooled connection never outlives its file) is the same schema: only a moved position reads SQLite's schema cookie
     * (5 us, as much as a primary-key read), and only a moved cookie the schema.
     */
    Map<String, Long> viewSizes(Bookmark position) throws SQLException {
        if (position.equals(viewsAt)) return viewSizes;
        long cookie;
        try (ResultSet rs = prepare("PRAGMA main.schema_version").executeQuery()) {
            cookie = rs.next() ? rs.getLong(1) : -1;
        }
        if (cookie != viewsCookie) {
            viewSizes = ViewExpansion.viewSizes(conn);
            viewsCookie = cookie;
        }
        viewsAt = position;
        return viewSizes;
    }

    /** The statement for {@code sql}, compiled once per connection, with its parameters cleared. */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = cache.get(sql);
        if (ps == null) {
            ps = conn.prepareStatement(sql);
            cache.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        return ps;
    }

    /** Runs a parameterless control statement (BEGIN, COMMIT, ROLLBACK). */
    void run(String sql) throws SQLException {
        prepare(sql).execute();
    }

    /** The position this connection's read transaction sees ({@link Bookmark#NONE} for an uninitialised file). */
    Bookmark appliedPosition() throws SQLException {
        return TenantSchema.appliedPosition(this::prepare);
    }
}
