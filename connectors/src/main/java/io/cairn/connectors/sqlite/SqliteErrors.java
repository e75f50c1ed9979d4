package io.cairn.connectors.sqlite;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;

/**
 * Maps SQLite failures to Cairn's stable error codes, and strips the driver's decoration from messages
 * so that what a person reads is SQLite's own sentence (never a path or another tenant's name).
 */
public final class SqliteErrors {
    private SqliteErrors() {}

    /** The stable code for a failed statement. */
    public static String code(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        if (primary == SQLiteErrorCode.SQLITE_INTERRUPT.code) return "statement_timeout";
        if (primary == SQLiteErrorCode.SQLITE_READONLY.code) return "read_only";
        if (primary == SQLiteErrorCode.SQLITE_FULL.code) return "quota_exceeded";
        if (primary == SQLiteErrorCode.SQLITE_TOOBIG.code) return "too_big";
        return "sql_error";
    }

    /** SQLite's own message, e.g. {@code UNIQUE constraint failed: t.id}, without the driver's prefix. */
    public static String message(SQLException e) {
        String code = code(e);
        switch (code) {
            case "statement_timeout": return "statement ran longer than its time limit and was interrupted";
            case "read_only": return "this statement would write; send writes to /execute";
            case "quota_exceeded": return "the tenant's database reached its size quota";
            default: break;
        }
        // sqlite-jdbc writes "[SQLITE_CONSTRAINT_UNIQUE] A UNIQUE constraint failed (UNIQUE constraint failed: t.id)":
        // the part in parentheses is SQLite's own sentence.
        String m = e.getMessage() == null ? "" : e.getMessage().strip();
        int open = m.indexOf(" (");
        if (m.startsWith("[") && open > 0 && m.endsWith(")")) m = m.substring(open + 2, m.length() - 1);
        return m.isEmpty() ? "SQL error" : m;
    }
}
