package io.cairn.tenantdb.sqlite;

import io.cairn.tenantdb.sql.TextVerdicts;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether SQLite can parse statements at all, asked by preparing them (never running them) on an empty database
 * in memory. Only the parser's own errors count ({@code near "TABL": syntax error}, {@code incomplete input},
 * {@code unrecognized token}): a statement that names a table or function the empty database lacks may be right for
 * the tenants it will run on. Used where a statement is kept for good before it runs anywhere (a migration
 * version): a typo would otherwise be found only when every tenant fails it.
 */
public final class SqlSyntax {
    private SqlSyntax() {}

    /** A statement SQLite cannot parse: its index in the list and SQLite's sentence. */
    public record Problem(int index, String message) {}

    /**
     * Texts SQLite parsed, up to 4 Mi characters of them: whether a text parses depends on nothing else, and a batch
     * is often one text many times. Asking SQLite costs an exception per text that names a table (the empty database
     * has none), and the database in memory is opened only when a text is not known.
     */
    private static final TextVerdicts<Boolean> PARSED = new TextVerdicts<>(4L << 20);

    /** The first statement of {@code statements} that SQLite cannot parse, or null when it can parse them all. */
    public static Problem firstProblem(List<String> statements) throws SQLException {
        TenantConnection empty = null;
        try {
            Set<String> parsedHere = new HashSet<>();
            for (int i = 0; i < statements.size(); i++) {
                String sql = statements.get(i);
                if (parsedHere.contains(sql) || PARSED.get(sql) != null) continue;
                if (empty == null) empty = SqliteConnections.openInMemory(SqliteLimits.WRITE_DEFAULTS);
                try {
                    empty.connection().prepareStatement(sql).close(); // parsed: nothing is run
                } catch (SQLException e) {
                    String m = SqliteErrors.message(e);
                    if (isParserError(m)) return new Problem(i, m);
                }
                parsedHere.add(sql);
                PARSED.put(sql, Boolean.TRUE);
            }
        } finally {
            if (empty != null) empty.close();
        }
        return null;
    }

    static boolean isParserError(String sqliteMessage) {
        return sqliteMessage.endsWith(": syntax error") || sqliteMessage.equals("incomplete input")
                || sqliteMessage.startsWith("unrecognized token:");
    }
}
