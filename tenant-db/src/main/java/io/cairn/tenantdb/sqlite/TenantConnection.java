package io.cairn.tenantdb.sqlite;

import java.sql.SQLException;
import org.sqlite.SQLiteConnection;

/** An open, hardened connection to one tenant's file, with its statement clock. Closing closes the connection. */
public record TenantConnection(String tenant, SQLiteConnection connection, StatementDeadline deadline, SqliteLimits limits)
        implements AutoCloseable {

    /** Starts the statement clock with this connection's configured limits (time, free temporary space). */
    public void startClock() {
        deadline.start(limits.statementTimeout().toNanos(), limits.minFreeTempBytes());
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
