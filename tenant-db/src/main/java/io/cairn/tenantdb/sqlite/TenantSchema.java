package io.cairn.tenantdb.sqlite;

import io.cairn.topics.Bookmark;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Cairn's own tables inside every tenant database. They live in the tenant's file so that they commit
 * in the same transaction as the tenant's data: the applied position moves exactly when the data does,
 * and a snapshot or a rebuilt copy carries them along. User SQL may not name them (the statement policy
 * refuses identifiers starting with {@code _cairn_}).
 *
 * <ul>
 *   <li>{@code _cairn_applied}: one row, the partition and offset of the last record applied.</li>
 *   <li>{@code _cairn_tenant}: one row, the tenant's id, creation time (and offset), last write time (and offset: what {@code if_unchanged_since} compares with), and the id of the data key its writes are sealed with (null: clear).</li>
 *   <li>{@code _cairn_keys}: API keys as stored (id, SHA-256 of the secret, scopes, revoked).</li>
 *   <li>{@code _cairn_idempotency}: the first outcome of each write sent with an Idempotency-Key, kept
 *       for a window measured in the log's ingress time (so replay keeps and expires the same keys).</li>
 *   <li>{@code _cairn_usage}: what applied writes did, per day of their ingress time (UTC days since
 *       1970-01-01), and in all (the row of day {@value #USAGE_TOTAL_DAY}): statements and rows written.
 *       Counted in the record's own transaction, so exactly once and the same on every replay.</li>
 *   <li>{@code _cairn_snapshots}: the snapshots stored of the tenant, as its log recorded them.</li>
 *   <li>{@code _cairn_migrations}: every version of a migration set applied, with its checksum and run;
 *       {@code _cairn_migration_status}: per set, the version reached and the last run's failure.</li>
 * </ul>
 */
public final class TenantSchema {
    public static final String RESERVED_PREFIX = "_cairn_";
    /** Reads the applied position: columns partition, offset; no row (or no table) means none yet. */
    public static final String APPLIED_POSITION = "SELECT log_partition, log_offset FROM _cairn_applied WHERE id = 0";

    private static final String IDEMPOTENCY = "CREATE TABLE IF NOT EXISTS _cairn_idempotency (idempotency_key TEXT PRIMARY KEY,"
            + " ingress_ms INTEGER NOT NULL, request_sha256 TEXT NOT NULL, outcome BLOB NOT NULL)";

    /** The {@code _cairn_usage} row holding the totals since the tenant was created. */
    public static final int USAGE_TOTAL_DAY = -1;

    private static final String USAGE = "CREATE TABLE IF NOT EXISTS _cairn_usage (day INTEGER PRIMARY KEY,"
            + " statements INTEGER NOT NULL, rows_written INTEGER NOT NULL)";

    private static final String SNAPSHOTS = "CREATE TABLE IF NOT EXISTS _cairn_snapshots (log_offset INTEGER PRIMARY KEY,"
            + " size_bytes INTEGER NOT NULL, stored_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, object_key TEXT NOT NULL,"
            + " taken_at_ms INTEGER NOT NULL)";

    /** The newest snapshot recorded: columns log_offset, size_bytes, stored_bytes, sha256, object_key, taken_at_ms. */
    public static final String NEWEST_SNAPSHOT = "SELECT log_offset, size_bytes, stored_bytes, sha256, object_key, taken_at_ms"
            + " FROM _cairn_snapshots ORDER BY log_offset DESC LIMIT 1";

    /** Records a snapshot (parameters as {@link #NEWEST_SNAPSHOT}'s columns); the same offset again replaces it. */
    public static final String RECORD_SNAPSHOT = "INSERT OR REPLACE INTO _cairn_snapshots"
            + " (log_offset, size_bytes, stored_bytes, sha256, object_key, taken_at_ms) VALUES (?, ?, ?, ?, ?, ?)";

    /**
     * The offset of the tenant's last restore, fork or import ({@code -1}: none): set with the restored content,
     * so a snapshot at or after it is known to be due even when the applier stopped before taking it.
     */
    public static final String RESTORED_OFFSET = "SELECT restored_offset FROM _cairn_tenant WHERE id = 0";

    /** The migration versions applied ({@link MigrationHistory}, which an export keeps). */
    static final String MIGRATIONS = "CREATE TABLE IF NOT EXISTS _cairn_migrations (set_name TEXT NOT NULL,"
            + " version INTEGER NOT NULL, checksum TEXT NOT NULL, run_id TEXT NOT NULL, applied_at_ms INTEGER NOT NULL,"
            + " PRIMARY KEY (set_name, version))";

    private static final String MIGRATION_STATUS = "CREATE TABLE IF NOT EXISTS _cairn_migration_status (set_name TEXT PRIMARY KEY,"
            + " version INTEGER NOT NULL, run_id TEXT, failed_version INTEGER, error_code TEXT, error TEXT)";

    /** Every set's status: columns set_name, version, run_id, failed_version, error_code, error. */
    public static final String MIGRATION_STATUSES = "SELECT set_name, version, run_id, failed_version, error_code, error"
            + " FROM _cairn_migration_status ORDER BY set_name";

    static final String[] CREATE = {
        "CREATE TABLE IF NOT EXISTS _cairn_applied (id INTEGER PRIMARY KEY CHECK (id = 0),"
                + " log_partition INTEGER NOT NULL, log_offset INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS _cairn_tenant (id INTEGER PRIMARY KEY CHECK (id = 0), tenant TEXT NOT NULL,"
                + " created_at_ms INTEGER NOT NULL, last_write_ms INTEGER NOT NULL, schema_version INTEGER NOT NULL DEFAULT 0,"
                + " created_offset INTEGER NOT NULL DEFAULT -1, last_write_offset INTEGER NOT NULL DEFAULT -1, data_key_id TEXT,"
                + " restored_offset INTEGER NOT NULL DEFAULT -1)",
        "CREATE TABLE IF NOT EXISTS _cairn_keys (key_id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL,"
                + " scopes TEXT NOT NULL, created_at_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
        IDEMPOTENCY,
        USAGE,
        SNAPSHOTS,
        MIGRATIONS,
        MIGRATION_STATUS,
        "CREATE INDEX IF NOT EXISTS _cairn_idempotency_by_time ON _cairn_idempotency (ingress_ms)",
    };

    private TenantSchema() {}

    /** Creates Cairn's tables; idempotent. Call inside the transaction that creates the tenant. */
    public static void create(Connection conn) throws SQLException {
        try (Statement s = conn.createStatement()) {
            for (String ddl : CREATE) s.execute(ddl);
        }
    }

    /** Creates the idempotency table in a database made before it existed; idempotent and cheap. */
    public static void ensureIdempotencyTable(Prepared prepared) throws SQLException {
        prepared.prepare(IDEMPOTENCY).execute();
        prepared.prepare(CREATE[CREATE.length - 1]).execute();
    }

    /** Whether the database has a table called {@code name}. */
    public static boolean hasTable(Connection conn, String name) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Creates the tables and {@code _cairn_tenant} columns added after the first release (usage, snapshots,
     * migrations; {@code created_offset}, {@code last_write_offset}, {@code data_key_id}, {@code restored_offset}) in an initialised
     * database made before they existed (autocommit; the applier calls it when it opens a file). Does
     * nothing to a file Cairn has not initialised: the tenant's creation makes them with the others. One
     * query when there is nothing to add, which is every open but the first of an old file.
     */
    public static void ensureLaterTables(Connection conn) throws SQLException {
        int tables;
        String columns; // null: no _cairn_tenant
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(LATER_TABLES_AND_COLUMNS)) {
            rs.next();
            tables = rs.getInt(1);
            columns = rs.getString(2);
        }
        if (tables == 0) return;
        try (Statement s = conn.createStatement()) {
            if (tables < 5) {
                s.execute(USAGE);
                s.execute(SNAPSHOTS);
                s.execute(MIGRATIONS);
                s.execute(MIGRATION_STATUS);
            }
            if (columns == null) return; // not a file Cairn made
            java.util.List<String> present = java.util.List.of(columns.split(","));
            for (String column : LATER_COLUMNS) {
                String type = column.equals("data_key_id") ? " TEXT" : " INTEGER NOT NULL DEFAULT -1";
                if (!present.contains(column)) s.execute("ALTER TABLE _cairn_tenant ADD COLUMN " + column + type);
            }
        }
    }

    private static final String[] LATER_COLUMNS = {"created_offset", "last_write_offset", "data_key_id", "restored_offset"};

    /** How many of Cairn's tables the file has (0: not initialised), and the names of {@code _cairn_tenant}'s columns. */
    private static final String LATER_TABLES_AND_COLUMNS = "SELECT (SELECT count(*) FROM main.sqlite_schema WHERE type = 'table' AND name IN"
            + " ('_cairn_tenant', '_cairn_usage', '_cairn_snapshots', '_cairn_migrations', '_cairn_migration_status')),"
            + " (SELECT group_concat(name) FROM pragma_table_info('_cairn_tenant', 'main'))";

    /** Prepares a statement on a connection that keeps it (its cache of prepared statements): the caller does not close it. */
    @FunctionalInterface
    public interface Prepared {
        java.sql.PreparedStatement prepare(String sql) throws SQLException;
    }

    /**
     * As {@link #appliedPosition(Connection)}, through a connection's kept statements: it is read at every read and at
     * the start of every write group (the applier prepared it anew each time: a tenth of its stream thread in a profile).
     */
    public static Bookmark appliedPosition(Prepared prepared) throws SQLException {
        java.sql.PreparedStatement ps;
        try {
            ps = prepared.prepare(APPLIED_POSITION);
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("no such table")) return Bookmark.NONE;
            throw e;
        }
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Bookmark(rs.getInt(1), rs.getLong(2)) : Bookmark.NONE;
        }
    }

    /**
     * The position this connection's current view of the tenant has applied up to; {@link Bookmark#NONE}
     * for a database Cairn has not initialised. Call inside the read transaction whose position you want.
     */
    public static Bookmark appliedPosition(Connection conn) throws SQLException {
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery(APPLIED_POSITION)) {
            return rs.next() ? new Bookmark(rs.getInt(1), rs.getLong(2)) : Bookmark.NONE;
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("no such table")) return Bookmark.NONE;
            throw e;
        }
    }
}
