package io.cairn.connectors.sqlite;

import java.sql.SQLException;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConnection;

/**
 * A time limit for the statement running on one connection, enforced by SQLite's progress handler:
 * past the deadline SQLite interrupts the statement (SQLITE_INTERRUPT), which {@link SqliteErrors}
 * maps to {@code statement_timeout}. Used by one thread at a time, like its connection.
 */
public final class StatementDeadline {
    /** Virtual-machine steps between checks: frequent enough for millisecond precision, cheap enough to not show. */
    private static final int STEPS_PER_CHECK = 10_000;

    private volatile long deadlineNanos = Long.MAX_VALUE;

    private StatementDeadline() {}

    static StatementDeadline install(SQLiteConnection conn) throws SQLException {
        StatementDeadline d = new StatementDeadline();
        ProgressHandler.setHandler(conn, STEPS_PER_CHECK, new ProgressHandler() {
            @Override
            protected int progress() {
                return System.nanoTime() - d.deadlineNanos > 0 ? 1 : 0;
            }
        });
        return d;
    }

    /** Starts the clock: statements from now on must finish within {@code timeoutNanos}. */
    public void start(long timeoutNanos) {
        deadlineNanos = System.nanoTime() + timeoutNanos;
    }

    /** Stops the clock (between statements, and while the connection is idle). */
    public void clear() {
        deadlineNanos = Long.MAX_VALUE;
    }
}
