package io.cairn.tenantdb.sql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a read's answer may differ between two runs on the same data: it calls the clock or a random
 * source ({@code datetime('now')}, {@code CURRENT_TIMESTAMP}, {@code random()}, ...), in its own text or
 * in a view it reads. Such an answer must not be served again later (a result cache keyed by the data's
 * position would repeat a stale time or the same "random" value).
 *
 * <p>It asks SQLite, not the text: {@code EXPLAIN} compiles the statement with every view it reads
 * expanded, and each function call is one {@code Function} (or {@code PureFunc}) instruction naming the
 * function. Any call to a date or time function counts, whatever its arguments ({@code date(ts)} is
 * stable, {@code date('now')} is not, and the program does not say which): a caller that only skips an
 * optimisation for such statements loses nothing but that optimisation.
 */
public final class VolatileCalls {
    /** SQLite's functions whose value can change with no change to the data. */
    static final Set<String> VOLATILE = volatileFunctions();

    private VolatileCalls() {}

    /**
     * Whether {@code sql} (one statement that passed the read policy) calls the clock or a random source
     * on {@code conn}, whose schema decides what its views call. Compiles the statement; runs nothing of it.
     *
     * @throws SQLException when SQLite cannot compile the statement on this connection
     */
    public static boolean in(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                if (!rs.getString("opcode").contains("Func")) continue;
                String p4 = rs.getString("p4");
                if (p4 == null) continue;
                int paren = p4.indexOf('(');
                if (VOLATILE.contains((paren < 0 ? p4 : p4.substring(0, paren)).toLowerCase(Locale.ROOT))) return true;
            }
        }
        return false;
    }

    private static Set<String> volatileFunctions() {
        Set<String> names = new HashSet<>(StatementPolicy.DATE_FUNCTIONS);
        names.addAll(Set.of("current_timestamp", "current_date", "current_time", "random", "randomblob"));
        return Set.copyOf(names);
    }
}
