package io.cairn.tenantdb.sqlite;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Whether a tenant file is sound enough to use: SQLite's {@code PRAGMA quick_check} on a hardened
 * read-only connection. Damage it reports (or a file SQLite cannot read as a database at all) is an
 * answer, not an exception; any other failure (a missing file, I/O) is thrown, since it says nothing
 * about the file's content.
 */
public final class IntegrityCheck {
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_NOTADB = 26;

    private IntegrityCheck() {}

    /** Empty when the file passes; otherwise what SQLite found wrong. */
    public static Optional<String> problem(String tenant, Path file, SqliteLimits limits) throws SQLException {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, file, limits);
             Statement s = c.connection().createStatement();
             ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            String first = rs.next() ? rs.getString(1) : "no answer";
            return "ok".equals(first) ? Optional.empty() : Optional.of(first);
        } catch (SQLException e) {
            if (isCorruption(e)) return Optional.of(SqliteErrors.message(e));
            throw e;
        }
    }

    /** True when {@code e} says the database file is damaged or not a database. */
    public static boolean isCorruption(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
    }
}
