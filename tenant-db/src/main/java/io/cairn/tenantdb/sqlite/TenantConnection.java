package io.cairn.tenantdb.sqlite;

import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;

/**
 * An open, hardened connection to one tenant's file, with its statement clock. Closing closes the
 * connection; a writable one closes while no replacement of its file runs ({@link FileSwaps#close}).
 *
 * @param shmReadOnly opened with its {@code -shm} read-only, because the volume had no room to map it
 *     ({@link SqliteConnections#openReadOnly}): it reads right, rebuilding the WAL's index in its own memory at each
 *     read, so it is for one read, never kept for more
 */
public record TenantConnection(String tenant, Path file, boolean writable, SQLiteConnection connection,
        StatementDeadline deadline, SqliteLimits limits, boolean shmReadOnly) implements AutoCloseable {

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
