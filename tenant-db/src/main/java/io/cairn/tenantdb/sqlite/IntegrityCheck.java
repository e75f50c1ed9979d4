package io.cairn.tenantdb.sqlite;

import io.cairn.tenantdb.sql.DeterministicFunctions;
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
             Statement s = c.connection().createStatement()) {
            // A generated column may read the clock through a value ('now' stored in its row, which the applier answers
            // with the record's time): stock SQLite refuses that there, so the check stopped on it, and the tenant was
            // never served again. The check computes it at a fixed time: what it looks for is damage, not times.
            DeterministicFunctions.install(c.connection());
            return findings(s);
        } catch (SQLException e) {
            if (isCorruption(e)) return Optional.of(SqliteErrors.message(e));
            throw e;
        }
    }

    private static Optional<String> findings(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            while (rs.next()) {
                String finding = rs.getString(1);
                if (!"ok".equals(finding) && !aboutVirtualTableContent(finding)) return Optional.of(finding);
            }
            return Optional.empty();
        }
    }

    /**
     * Whether a file that passed {@link #problem} is the tenant's, and holds what its applier committed: empty when
     * it does, else what is wrong. A file can be sound and still not be the tenant's: one emptied or truncated to
     * nothing (a valid empty database), another tenant's copied over it, or one that lost its WAL (the commits since
     * the last checkpoint gone, its position with them). Each was served as the tenant's data, and written on.
     *
     * @param partition the tenant's partition of the log
     * @param atLeast the offset the tenant's applier last committed for it (its announced state); -1 when unknown
     */
    public static Optional<String> identityProblem(String tenant, Path file, SqliteLimits limits, int partition, long atLeast)
            throws SQLException {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, file, limits); Statement s = c.connection().createStatement()) {
            String owner;
            try (ResultSet rs = s.executeQuery("SELECT tenant FROM _cairn_tenant WHERE id = 0")) {
                owner = rs.next() ? rs.getString(1) : null;
            } catch (SQLException e) {
                if (isCorruption(e)) return Optional.of(SqliteErrors.message(e));
                if (e.getMessage() == null || !e.getMessage().contains("no such table")) throw e;
                owner = null;
            }
            if (owner == null) return Optional.of("not a tenant's file: no _cairn_tenant row (emptied, truncated or replaced)");
            if (!owner.equals(tenant)) return Optional.of("the file is another tenant's");
            io.cairn.topics.Bookmark applied = TenantSchema.appliedPosition(c.connection());
            if (applied.offset() >= 0 && applied.partition() != partition) {
                return Optional.of("the file holds records of partition " + applied.partition() + ", the tenant's is " + partition);
            }
            if (applied.offset() < atLeast) {
                return Optional.of("the file holds the tenant's log to offset " + applied.offset() + ", its applier had committed it to "
                        + atLeast + " (its WAL lost?)");
            }
            return Optional.empty();
        } catch (SQLException e) {
            if (isCorruption(e)) return Optional.of(SqliteErrors.message(e));
            throw e;
        }
    }

    /**
     * A finding of a virtual table's own check (SQLite runs them in quick_check): about records tenant SQL can write,
     * not about pages ({@link SqliteErrors#isVirtualTableContent}). The pages of its internal tables are still checked
     * as every table's are. The prefixes are those of SQLite 3.54's FTS3/4, FTS5 and R*Tree checks.
     */
    static boolean aboutVirtualTableContent(String finding) {
        return finding.startsWith("fts5: ") || finding.startsWith("In RTree ") || finding.startsWith("malformed inverted index for FTS");
    }

    /**
     * True when {@code e} says the database file is damaged or not a database, or shorter than its own headers say
     * (SQLITE_IOERR_SHORT_READ: a WAL deleted or truncated under the shared memory index another connection keeps, a
     * file cut short). A short read is the file's, never the machine's: waited out as an I/O error, it held the
     * applier's thread, and every tenant's writes behind it, until a restart.
     */
    public static boolean isCorruption(SQLException e) {
        if (SqliteErrors.isVirtualTableContent(e)) return false;
        if (e instanceof org.sqlite.SQLiteException s && s.getResultCode() == org.sqlite.SQLiteErrorCode.SQLITE_IOERR_SHORT_READ) return true;
        int primary = e.getErrorCode() & 0xff;
        return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
    }
}
