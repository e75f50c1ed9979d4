package io.cairn.tenantdb.sql;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * SQLite's own built-in functions, reached through a private in-memory connection on which nothing is
 * overridden. The date/time overrides rewrite their arguments ('now' becomes the record's instant) and
 * let the real built-in do the rest, so every other behaviour (formats, modifiers, NULL on bad input,
 * result types) stays exactly SQLite's. One per thread (SQLite runs a function on the thread that
 * steps the statement), shared by every tenant connection that thread uses: opening a connection
 * per tenant database would double the cost of opening one.
 */
final class BuiltinDelegate {
    private final Connection conn;
    /** One prepared {@code SELECT fn(?, ...)} per function and argument count: preparing costs more than the call. */
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    private BuiltinDelegate(Connection conn) {
        this.conn = conn;
    }

    private static final ThreadLocal<BuiltinDelegate> PER_THREAD = ThreadLocal.withInitial(() -> {
        try {
            return new BuiltinDelegate(DriverManager.getConnection("jdbc:sqlite::memory:"));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open SQLite in memory", e);
        }
    });

    /** This thread's delegate, opened on first use and kept for the thread's life. */
    static BuiltinDelegate current() {
        return PER_THREAD.get();
    }

    /**
     * Calls built-in {@code function} with {@code args} (null, Long, Double, String, byte[]), each bound
     * with its own SQLite type; returns the result as null, Long, Double, String or byte[].
     */
    Object call(String function, Object[] args) throws SQLException {
        String key = function + '/' + args.length;
        PreparedStatement ps = prepared.get(key);
        if (ps == null) {
            StringBuilder sql = new StringBuilder("SELECT ").append(function).append('(');
            for (int i = 0; i < args.length; i++) sql.append(i == 0 ? "?" : ", ?");
            ps = conn.prepareStatement(sql.append(')').toString());
            prepared.put(key, ps);
        }
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case null -> ps.setNull(i + 1, java.sql.Types.NULL);
                case Long v -> ps.setLong(i + 1, v);
                case Double v -> ps.setDouble(i + 1, v);
                case String v -> ps.setString(i + 1, v);
                case byte[] v -> ps.setBytes(i + 1, v);
                default -> throw new IllegalArgumentException("unsupported argument " + args[i].getClass());
            }
        }
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return null;
            Object v = rs.getObject(1);
            return v instanceof Integer n ? Long.valueOf(n) : v;
        }
    }
}
