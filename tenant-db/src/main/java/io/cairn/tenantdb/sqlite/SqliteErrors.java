package io.cairn.tenantdb.sqlite;

import io.cairn.topics.ErrorCode;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;

/**
 * Maps SQLite failures to Cairn's stable error codes, and strips the driver's decoration from messages
 * so that what a person reads is SQLite's own sentence (never a path or another tenant's name).
 */
public final class SqliteErrors {
    private SqliteErrors() {}

    /**
     * How a function of Cairn's own that refuses a value too big begins its error (SQLite's sentence for
     * SQLITE_TOOBIG): such a failure is {@link ErrorCode#VALUE_TOO_LARGE}, as when SQLite itself refuses one.
     */
    public static final String TOO_BIG = "string or blob too big: ";

    /**
     * How a function of Cairn's own that stopped at the statement's limit ({@link MeteredFunctions}) begins its
     * error: such a failure is {@link ErrorCode#STATEMENT_TIMEOUT}, as when SQLite's progress handler stops one.
     */
    public static final String STOPPED = "statement stopped at its limit: ";

    /** The stable code for a failed statement. */
    public static ErrorCode code(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        if (primary == SQLiteErrorCode.SQLITE_ERROR.code && e.getMessage() != null && e.getMessage().contains(TOO_BIG)) {
            return ErrorCode.VALUE_TOO_LARGE;
        }
        if (primary == SQLiteErrorCode.SQLITE_INTERRUPT.code) return ErrorCode.STATEMENT_TIMEOUT;
        if (primary == SQLiteErrorCode.SQLITE_ERROR.code && e.getMessage() != null && e.getMessage().contains(STOPPED)) {
            return ErrorCode.STATEMENT_TIMEOUT;
        }
        if (primary == SQLiteErrorCode.SQLITE_READONLY.code) return ErrorCode.READ_ONLY;
        if (primary == SQLiteErrorCode.SQLITE_FULL.code) return ErrorCode.QUOTA_EXCEEDED;
        if (primary == SQLiteErrorCode.SQLITE_TOOBIG.code) return tooLongStatement(e) ? ErrorCode.STATEMENT_TOO_LONG : ErrorCode.VALUE_TOO_LARGE;
        return ErrorCode.SQL_ERROR;
    }

    /**
     * SQLite's extended result code by name ({@code SQLITE_CONSTRAINT_UNIQUE}, {@code SQLITE_CONSTRAINT_NOTNULL},
     * {@code SQLITE_ERROR}...), or the primary one's when the driver does not know the extended one; null when the failure
     * is not SQLite's. What a client matches on to tell a duplicate key from a typo, as libSQL's clients do.
     */
    public static String codeName(SQLException e) {
        if (!(e instanceof org.sqlite.SQLiteException s)) return null;
        if (s.getResultCode() != SQLiteErrorCode.UNKNOWN_ERROR) return s.getResultCode().name();
        SQLiteErrorCode primary = SQLiteErrorCode.getErrorCode(e.getErrorCode() & 0xff);
        return primary == SQLiteErrorCode.UNKNOWN_ERROR ? null : primary.name();
    }

    /** SQLITE_TOOBIG for the SQL text itself (SQLITE_LIMIT_SQL_LENGTH), not for a value. */
    private static boolean tooLongStatement(SQLException e) {
        return e.getMessage() != null && e.getMessage().contains("statement too long");
    }

    /**
     * True when the failure is the machine's, not the statement's: I/O errors, a damaged or unreadable
     * file, memory, a lock held by another process. Such a failure must never become a tenant's
     * verdict: a replay on a healthy machine would not meet it.
     */
    public static boolean isMachineFailure(SQLException e) {
        if (isVirtualTableContent(e)) return false;
        int primary = e.getErrorCode() & 0xff;
        return primary == SQLiteErrorCode.SQLITE_IOERR.code || primary == SQLiteErrorCode.SQLITE_CORRUPT.code
                || primary == SQLiteErrorCode.SQLITE_NOTADB.code || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code
                || primary == SQLiteErrorCode.SQLITE_NOMEM.code || primary == SQLiteErrorCode.SQLITE_BUSY.code
                || primary == SQLiteErrorCode.SQLITE_LOCKED.code || primary == SQLiteErrorCode.SQLITE_PROTOCOL.code
                // the file or its directory cannot be written now (permissions, an immutable flag, a read-only mount):
                // the machine's state, never the statement's; tenant SQL cannot make the applier's connection read-only
                || primary == SQLiteErrorCode.SQLITE_READONLY.code || primary == SQLiteErrorCode.SQLITE_PERM.code;
    }

    /**
     * True when opening a file failed because it is not there (any more): SQLITE_CANTOPEN, or SQLITE_IOERR_FSTAT
     * when it was removed while SQLite opened it (a tenant deleted or frozen by the applier at that moment).
     */
    public static boolean isFileGone(SQLException e) {
        if (e instanceof org.sqlite.SQLiteException s && s.getResultCode() == SQLiteErrorCode.SQLITE_IOERR_FSTAT) return true;
        return (e.getErrorCode() & 0xff) == SQLiteErrorCode.SQLITE_CANTOPEN.code;
    }

    /**
     * SQLITE_CORRUPT_VTAB: a virtual table (FTS, R*Tree) found its own records inconsistent. Tenant SQL can write a
     * virtual table's internal tables, so this is what the log made of the tenant's content, the same on every copy
     * and after every replay: the statement's verdict, never a damaged file to rebuild (that rebuild would meet it
     * again). Damage to the pages themselves is SQLITE_CORRUPT.
     */
    public static boolean isVirtualTableContent(SQLException e) {
        return e instanceof org.sqlite.SQLiteException s && s.getResultCode() == SQLiteErrorCode.SQLITE_CORRUPT_VTAB;
    }

    /** SQLite's own message, e.g. {@code UNIQUE constraint failed: t.id}, without the driver's prefix. */
    public static String message(SQLException e) {
        switch (code(e)) {
            case STATEMENT_TIMEOUT: return "statement ran longer than its time limit and was interrupted";
            case READ_ONLY: return "this statement would write; send writes to /execute";
            case QUOTA_EXCEEDED: return "the tenant's database reached its size quota: delete rows or drop tables to make room"
                    + " (the space they free is reused, though the file does not shrink)";
            case VALUE_TOO_LARGE:
                if ((e.getErrorCode() & 0xff) == SQLiteErrorCode.SQLITE_TOOBIG.code) return "a string or blob is larger than the limit (64 MiB), or SQL text"
                        + " SQLite makes is (100,000 bytes: a CREATE statement as the schema keeps it, with a very long name)";
                break; // a function of Cairn's own: its sentence names its limit
            case STATEMENT_TOO_LONG: return "the statement's SQL text is longer than the limit per statement; pass long values as params";
            default: break;
        }
        if (isVirtualTableContent(e)) {
            return "a virtual table's content is inconsistent (were its internal tables written directly?); rebuild it,"
                    + " e.g. INSERT INTO t(t) VALUES ('rebuild') for an FTS table t";
        }
        // sqlite-jdbc writes "[SQLITE_CONSTRAINT_UNIQUE] A UNIQUE constraint failed (UNIQUE constraint failed: t.id)":
        // the part in parentheses is SQLite's own sentence.
        String m = e.getMessage() == null ? "" : e.getMessage().strip();
        int open = m.indexOf(" (");
        if (m.startsWith("[") && open > 0 && m.endsWith(")")) m = m.substring(open + 2, m.length() - 1);
        if (m.equals("Recursion limit")) {
            // SQLite's parser says only this when a statement nests deeper than its stack (parentheses, subqueries).
            return "Recursion limit: the statement nests too deeply for SQLite's parser (parentheses, subqueries or"
                    + " function calls inside one another); flatten it";
        }
        return m.isEmpty() ? "SQL error" : m;
    }
}
