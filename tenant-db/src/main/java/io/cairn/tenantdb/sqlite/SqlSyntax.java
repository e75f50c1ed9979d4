package io.cairn.tenantdb.sqlite;

import java.sql.SQLException;
import java.util.List;

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

    /** The first statement of {@code statements} that SQLite cannot parse, or null when it can parse them all. */
    public static Problem firstProblem(List<String> statements) throws SQLException {
        try (TenantConnection empty = SqliteConnections.openInMemory(SqliteLimits.WRITE_DEFAULTS)) {
            for (int i = 0; i < statements.size(); i++) {
                try {
                    empty.connection().prepareStatement(statements.get(i)).close(); // parsed: nothing is run
                } catch (SQLException e) {
                    String m = SqliteErrors.message(e);
                    if (isParserError(m)) return new Problem(i, m);
                }
            }
        }
        return null;
    }

    static boolean isParserError(String sqliteMessage) {
        return sqliteMessage.endsWith(": syntax error") || sqliteMessage.equals("incomplete input")
                || sqliteMessage.startsWith("unrecognized token:");
    }
}
