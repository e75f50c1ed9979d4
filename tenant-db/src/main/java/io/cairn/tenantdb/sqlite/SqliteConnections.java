package io.cairn.tenantdb.sqlite;

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;
import org.sqlite.SQLiteOpenMode;

/**
 * Opens tenant databases, hardened the same way every time (see DESIGN.md, Security): no attached
 * databases (limit 0), no extension loading, {@code trusted_schema=OFF}, a page-count quota, a
 * statement clock, foreign keys enforced. Writable connections use WAL with {@code synchronous=NORMAL}
 * (durable at checkpoint, never corrupt); read-only connections are opened read-only by SQLite, so a
 * read can never write whatever SQL it carries.
 */
public final class SqliteConnections {
    /** SQLite's default page size, which every tenant file has; quotas in pages are counted with it. */
    public static final int PAGE_SIZE = 4096;
    /** The longest string, blob or row any tenant connection makes or reads (SQLITE_LIMIT_LENGTH). */
    public static final int MAX_VALUE_BYTES = 64 << 20;
    /**
     * What a tenant's WAL keeps on disk once SQLite starts it over ({@code journal_size_limit}): a large write,
     * or one refused for its size, leaves its pages in the WAL, and the file would otherwise keep that size
     * until the tenant is closed. Four times the WAL an automatic checkpoint lets grow, so everyday writes
     * never pay for a truncation.
     */
    public static final long WAL_KEPT_BYTES = 16L << 20;

    private SqliteConnections() {}

    /** Opens (creating if needed) the tenant's file for the applier. */
    public static TenantConnection openWritable(String tenant, Path file, SqliteLimits limits) throws SQLException {
        SQLiteConfig config = baseConfig(limits);
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        return open(tenant, file, true, config, limits, "jdbc:sqlite:" + file, false);
    }

    /**
     * Opens an existing tenant file read-only, for the query edge. When no connection has the file open, its first
     * read maps the WAL's index ({@code -shm}) afresh, and on a volume with no room left that fails
     * ({@code SQLITE_IOERR_SHMSIZE}): reads did not go on while the disk was full. It is then opened again with its
     * {@code -shm} read-only (SQLite's {@code readonly_shm}: the reader builds the index in its own memory from the
     * WAL, and still takes its read lock in the {@code -shm}, so a writer never resets the WAL under it);
     * {@link TenantConnection#shmReadOnly} says so.
     */
    public static TenantConnection openReadOnly(String tenant, Path file, SqliteLimits limits) throws SQLException {
        TenantConnection c;
        try {
            c = open(tenant, file, false, readOnlyConfig(limits), limits, "jdbc:sqlite:" + file, false);
        } catch (SQLException e) {
            if (!(e instanceof org.sqlite.SQLiteException s && s.getResultCode() == org.sqlite.SQLiteErrorCode.SQLITE_IOERR_SHMSIZE)) throw e;
            c = open(tenant, file, false, readOnlyConfig(limits), limits, "jdbc:sqlite:" + file.toUri() + "?readonly_shm=1", true);
        }
        try (Statement s = c.connection().createStatement()) {
            s.execute("PRAGMA query_only=ON");
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static SQLiteConfig readOnlyConfig(SqliteLimits limits) {
        SQLiteConfig config = baseConfig(limits);
        config.setReadOnly(true);
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        return config;
    }

    /**
     * A hardened database in memory, never a tenant's file: for working out what SQL does to an empty schema (the
     * drift check's expected schema). Closed, it is gone.
     */
    public static TenantConnection openInMemory(SqliteLimits limits) throws SQLException {
        return openHardened("", Path.of(":memory:"), false, baseConfig(limits), limits, "jdbc:sqlite::memory:", false);
    }

    /**
     * Opens (creating it and its directory if needed) one of Cairn's own bookkeeping files beside the tenants
     * (the registry, the positions): WAL, the given sync mode, a 10 s busy timeout for the other processes
     * sharing the volume. Plain, not hardened: no tenant SQL ever runs on it.
     */
    public static java.sql.Connection openBookkeeping(Path file, SQLiteConfig.SynchronousMode sync) throws SQLException {
        try {
            java.nio.file.Files.createDirectories(file.getParent());
        } catch (java.io.IOException e) {
            throw new SQLException("cannot create " + file.getParent(), e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(sync);
        config.setBusyTimeout(10_000);
        return config.createConnection("jdbc:sqlite:" + file);
    }

    private static SQLiteConfig baseConfig(SqliteLimits limits) {
        SQLiteConfig config = new SQLiteConfig();
        config.enableLoadExtension(false);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(5_000);
        config.setMaxPageCount((int) Math.min(Integer.MAX_VALUE, limits.maxDatabaseBytes() / PAGE_SIZE));
        config.setOpenMode(SQLiteOpenMode.NOMUTEX);
        // Nothing reads JDBC's generated keys (the applier asks last_insert_rowid() itself once per statement);
        // left on, sqlite-jdbc matches every statement against a regex and runs a second query after each INSERT.
        config.setGetGeneratedKeys(false);
        return config;
    }

    /**
     * Opens the file and reads its schema version once before anything else: from that read on, the connection
     * holds the file's WAL and index open, so a replacement of the file after it cannot mix two files under it
     * ({@link FileSwaps}).
     */
    private static TenantConnection open(String tenant, Path file, boolean writable, SQLiteConfig config, SqliteLimits limits, String url,
            boolean shmReadOnly) throws SQLException {
        return FileSwaps.open(file, () -> {
            TenantConnection c = openHardened(tenant, file, writable, config, limits, url, shmReadOnly);
            try (Statement s = c.connection().createStatement()) {
                s.executeQuery("PRAGMA schema_version").close();
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            return c;
        });
    }

    private static TenantConnection openHardened(String tenant, Path file, boolean writable, SQLiteConfig config, SqliteLimits limits,
            String url, boolean shmReadOnly) throws SQLException {
        SQLiteConnection conn = (SQLiteConnection) config.createConnection(url);
        try {
            conn.setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
            conn.setLimit(SQLiteLimits.SQLITE_LIMIT_SQL_LENGTH, limits.maxSqlLength());
            // No single string or blob may exceed 64 MiB: without this, one zeroblob() or repeated
            // concatenation could make the applier allocate up to 2 GiB.
            conn.setLimit(SQLiteLimits.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES);
            try (Statement s = conn.createStatement()) {
                s.execute("PRAGMA trusted_schema=OFF");
                if (writable) s.execute("PRAGMA journal_size_limit=" + WAL_KEPT_BYTES);
            }
            StatementDeadline deadline = StatementDeadline.install(conn);
            MeteredFunctions.install(conn, deadline, MAX_VALUE_BYTES);
            return new TenantConnection(tenant, file, writable, conn, deadline, limits, shmReadOnly);
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }
}
