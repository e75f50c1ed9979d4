package io.cairn.tenantdb.sqlite;

import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;

/**
 * An open, hardened connection to one tenant's file, with its statement clock. Closing closes the
 * connection; a writable one closes while no replacement of its file runs ({@link FileSwaps#close}).
 */
public record TenantConnection(String tenant, Path file, boolean writable, SQLiteConnection connection,
        StatementDeadline deadline, SqliteLimits limits) implements AutoCloseable {

    /** Starts the statement clock with this connection's configured limits (time, free temporary space). */
    public void startClock() {
        deadline.start(limits.statementTimeout().toNanos(), limits.minFreeTempBytes());
    }

    @Override
    public void close() throws SQLException {
        if (writable) FileSwaps.close(file, connection);
        else connection.close();
    }
}
