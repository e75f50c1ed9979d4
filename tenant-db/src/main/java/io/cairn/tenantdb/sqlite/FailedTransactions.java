package io.cairn.tenantdb.sqlite;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Ends a JDBC transaction ({@code setAutoCommit(false)}) that failed, leaving the connection in auto-commit.
 * SQLite may have rolled it back itself (a full volume, an I/O error): the rollback's and the auto-commit's own
 * complaints ("no transaction is active") are added to {@code failure} as suppressed, never thrown in its place,
 * so the caller rethrows the cause.
 */
public final class FailedTransactions {
    private FailedTransactions() {}

    /** Rolls back and returns {@code conn} to auto-commit; whatever that throws is suppressed in {@code failure}. */
    public static void end(Connection conn, Exception failure) {
        try {
            conn.rollback();
        } catch (SQLException gone) {
            failure.addSuppressed(gone);
        }
        try {
            conn.setAutoCommit(true);
        } catch (SQLException gone) {
            failure.addSuppressed(gone);
        }
    }
}
