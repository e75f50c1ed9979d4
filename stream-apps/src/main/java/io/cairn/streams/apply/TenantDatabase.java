package io.cairn.streams.apply;

import io.cairn.tenantdb.sql.DeterministicFunctions;
import io.cairn.tenantdb.sql.LargestRowidWatch;
import io.cairn.tenantdb.sql.ShadowTables;
import io.cairn.tenantdb.sql.ViewExpansion;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.SnapshotRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One tenant's database as the applier holds it open: the writable connection, the deterministic
 * clock and seed its SQL sees, a cache of prepared statements, and the group-commit transaction.
 *
 * <p>Used by one stream thread at a time: the thread of the task that owns the tenant's partition.
 * The pool may close it only while it is not {@link #inUse()}.
 */
final class TenantDatabase implements AutoCloseable {
    private static final int PREPARED_CACHE = 64;

    final String tenant;
    private final Path file;
    private final TenantConnection conn;
    /** The schema hash last computed, and SQLite's schema cookie it was computed at. */
    private long schemaCookie = -1;
    private long guardsCookie = -1;
    private SchemaGuards guards;
    private String schemaHash;
    final DeterministicFunctions.Context clock;
    /** Refuses a statement that stores the largest rowid, after which SQLite picks rowids at random. */
    final LargestRowidWatch largestRowid;
    private final Map<String, PreparedStatement> prepared = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= PREPARED_CACHE) return false;
            closeQuietly(eldest.getValue());
            return true;
        }
    };
    /** The text of the last growth cap's statement, kept in {@link #prepared} ({@link #setMaxPageCount}). */
    private String capSql;
    private boolean inTransaction;
    private boolean fresh;
    private boolean inUse;
    private long lastUsedNanos = System.nanoTime();
    private int lastPartition = -1;
    private long lastIngressMs = -1;
    private Bookmark applied = Bookmark.NONE;
    private long pageSize;
    private long coldFrom = -1;
    private boolean freezeAgain;
    private CairnRows cairnRows;

    /**
     * The parts of the tenant's state kept in tables only Cairn's own records write (API keys, migration
     * statuses, the newest snapshot): tenant SQL cannot name a {@code _cairn_} object (the write policy), so an
     * {@code ExecuteBatch} never changes them, and a state after a group of plain writes need not read them again.
     */
    record CairnRows(List<ApiKey> keys, List<SetVersion> migrations, SnapshotRef snapshot) {}

    private TenantDatabase(String tenant, Path file, TenantConnection conn, DeterministicFunctions.Context clock,
            LargestRowidWatch largestRowid) {
        this.tenant = tenant;
        this.file = file;
        this.conn = conn;
        this.clock = clock;
        this.largestRowid = largestRowid;
    }

    static TenantDatabase open(String tenant, Path file, SqliteLimits limits) throws SQLException {
        TenantConnection c = SqliteConnections.openWritable(tenant, file, limits);
        try {
            c.connection().setAutoCommit(true);
            TenantSchema.ensureLaterTables(c.connection());
            // sqlite-jdbc follows every statement that finishes on a connection in JDBC auto-commit mode with a
            // BEGIN and a COMMIT of its own, which here fail inside Cairn's transaction or do nothing outside it:
            // Cairn begins and ends every transaction with its own statements. The driver is told the connection
            // is not in auto-commit (without the BEGIN setAutoCommit(false) would run), which skips them: a tenth
            // of a replayed record's CPU. Nothing calls the JDBC commit(), rollback() or setAutoCommit() on it.
            c.connection().getConnectionConfig().setAutoCommit(false);
            return new TenantDatabase(tenant, file, c, DeterministicFunctions.install(c.connection()),
                    LargestRowidWatch.install(c.connection()));
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    Connection connection() {
        return conn.connection();
    }

    TenantConnection tenantConnection() {
        return conn;
    }

    boolean inUse() {
        return inUse;
    }

    void setInUse(boolean inUse) {
        this.inUse = inUse;
        lastUsedNanos = System.nanoTime();
    }

    /** When it was last acquired or released. */
    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** The record about to be applied to it: on {@code position}'s partition, in at {@code ingressMs} ({@link IdleClocks}). */
    void takes(Bookmark position, long ingressMs) {
        lastPartition = position.partition();
        lastIngressMs = ingressMs;
    }

    /** The partition of the last record {@link #takes took}; -1 when none. */
    int lastPartition() {
        return lastPartition;
    }

    /** The ingress time of the last record {@link #takes took}; -1 when none. */
    long lastIngressMs() {
        return lastIngressMs;
    }

    boolean inTransaction() {
        return inTransaction;
    }

    /** The position applied as of the open transaction (re-read when the transaction began). */
    Bookmark applied() {
        return applied;
    }

    /**
     * Opens the group-commit transaction if none is open, taking SQLite's write lock, then re-reads the
     * applied position under that lock: whatever another applier (a zombie) committed before is seen,
     * so a record is never applied twice.
     */
    void beginIfNeeded() throws SQLException {
        if (inTransaction) return;
        execute("BEGIN IMMEDIATE");
        inTransaction = true;
        applied = TenantSchema.appliedPosition(this::prepare);
        fresh = applied.equals(Bookmark.NONE);
    }

    /**
     * A {@code Frozen} record applied in the open group makes the tenant cold once the group commits:
     * its snapshot, at {@code snapshotOffset}, holds everything its file holds.
     */
    void goingCold(long snapshotOffset) {
        coldFrom = snapshotOffset;
    }

    /** The snapshot offset a {@code Frozen} of the open group set ({@link #goingCold}); -1 when the tenant stays hot. */
    long goingColdFrom() {
        return coldFrom;
    }

    /** A {@code Frozen} just applied was overtaken by Cairn's own records only: the freeze is to be taken again. */
    void freezeAgain() {
        freezeAgain = true;
    }

    /** Whether {@link #freezeAgain} was asked since the last call; clears it. */
    boolean takeFreezeAgain() {
        boolean asked = freezeAgain;
        freezeAgain = false;
        return asked;
    }

    /** {@link CairnRows} as last read after a commit, or null when a record that may change them ran since (or never read). */
    CairnRows cairnRows() {
        return cairnRows;
    }

    void cairnRows(CairnRows rows) {
        cairnRows = rows;
    }

    /** Called before any record but a plain write runs: its keys, migration statuses or snapshots may change. */
    void cairnRowsMayChange() {
        cairnRows = null;
    }

    /** True when the open (or just committed) group transaction began on a file Cairn had not initialised: a new file. */
    boolean createdInThisGroup() {
        return fresh;
    }

    /**
     * Moves the applied position to {@code position} inside the open transaction, only forward.
     *
     * @return false when the stored position is already at or past it (another applier got there)
     */
    boolean advance(Bookmark position) throws SQLException {
        PreparedStatement ps = prepare("INSERT INTO _cairn_applied (id, log_partition, log_offset) VALUES (0, ?, ?)"
                + " ON CONFLICT (id) DO UPDATE SET log_partition = excluded.log_partition,"
                + " log_offset = excluded.log_offset WHERE _cairn_applied.log_offset < excluded.log_offset");
        ps.setInt(1, position.partition());
        ps.setLong(2, position.offset());
        if (ps.executeUpdate() == 0) return false;
        applied = position;
        return true;
    }

    /**
     * A tenant's WAL past this is checkpointed and cut back before its next write ({@link #resetWal}). SQLite's own
     * checkpoints after each commit cannot reset a WAL while a reader holds an older snapshot of it: a tenant keeping its
     * own reads overlapping while it rewrote 60 MB blobs grew its WAL by 14 MB a second, 2.2 GB in two minutes, filled
     * the volume every tenant's files share, and every tenant's writes failed (outside probe).
     */
    static final long WAL_LIMIT_BYTES = 256L << 20;
    /** How long a reset waits for the tenant's readers: longer than a read may run (5 s), twice (SQLite waits in two steps). */
    static final int WAL_RESET_WAIT_MS = 12_000;

    private long walLookedAtNanos = System.nanoTime() - WAL_LOOK_NANOS;
    private boolean walWasOver;
    /** How often the stream thread looks at a tenant's WAL size: a write's stat() each would cost every write. */
    private static final long WAL_LOOK_NANOS = 100_000_000L;

    /** {@link #walOver} as it was at most 100 ms ago: what the stream thread asks before each write. */
    boolean walOverLately(long limit) {
        long now = System.nanoTime();
        if (now - walLookedAtNanos >= WAL_LOOK_NANOS) {
            walWasOver = walOver(limit);
            walLookedAtNanos = now;
        }
        return walWasOver;
    }

    /** Whether the tenant's WAL file is larger than {@code limit} bytes (false when it has none). */
    boolean walOver(long limit) {
        try {
            return Files.size(file.resolveSibling(file.getFileName() + "-wal")) > limit;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Outside a transaction: copies the WAL into the file and truncates it to nothing, waiting up to {@code waitMs} for
     * readers of older content to end (a reader that starts meanwhile reads the file, which then holds everything).
     *
     * @throws SQLException SQLITE_BUSY when readers kept it: a machine failure the heavy lane waits out, the tenant's own
     *     writes waiting behind it
     */
    void resetWal(int waitMs) throws SQLException {
        if (inTransaction) throw new IllegalStateException("a checkpoint inside the group's transaction");
        try (Statement s = connection().createStatement()) {
            s.execute("PRAGMA busy_timeout = " + waitMs);
            try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                if (rs.next() && rs.getInt(1) != 0) {
                    throw new SQLException("tenant " + tenant + ": its WAL is past " + (WAL_LIMIT_BYTES >> 20) + " MiB and its own readers"
                            + " kept it from being reset for " + waitMs + " ms; its writes wait", null, org.sqlite.SQLiteErrorCode.SQLITE_BUSY.code);
                }
            } finally {
                s.execute("PRAGMA busy_timeout = 5000");
            }
        }
    }

    void commit() throws SQLException {
        if (!inTransaction) return;
        execute("COMMIT");
        inTransaction = false;
    }

    void rollback() {
        if (!inTransaction) return;
        inTransaction = false;
        try (Statement s = connection().createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // The connection is closed right after a failed group; SQLite rolls back on close anyway.
        }
    }

    /** Runs one of Cairn's own parameterless statements (BEGIN, SAVEPOINT, ...), prepared once per connection. */
    void execute(String sql) throws SQLException {
        prepare(sql).execute();
    }

    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps != null) {
            try {
                ps.clearParameters();
                return ps;
            } catch (SQLException finalized) {
                // sqlite-jdbc finalizes a statement whose step failed with most errors (all but BUSY,
                // LOCKED, MISUSE, CONSTRAINT) without marking it closed: prepare it again.
                prepared.remove(sql);
                closeQuietly(ps);
            }
        }
        ps = connection().prepareStatement(sql);
        prepared.put(sql, ps);
        return ps;
    }

    long lastInsertRowid() throws SQLException {
        // From the cache, which prepares again a statement sqlite-jdbc finalized after a failed step: one kept aside
        // failed every later write of the tenant with "statement is not executing", told as the write's verdict.
        try (ResultSet rs = prepare("SELECT last_insert_rowid()").executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * The file's size in pages. PRAGMA statements, never the {@code pragma_*} table functions: a tenant
     * object could shadow those names (and is refused by the policy), a PRAGMA statement cannot be.
     */
    long pageCount() throws SQLException {
        try (ResultSet rs = prepare("PRAGMA main.page_count").executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** SQLite's schema cookie ({@code PRAGMA schema_version}): it moves whenever the schema changes. */
    private long schemaCookie() throws SQLException {
        try (ResultSet rs = prepare("PRAGMA main.schema_version").executeQuery()) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    /**
     * What a write is checked against besides the statement policy: the virtual tables' internal tables ({@link ShadowTables})
     * and the views' expanded sizes ({@link ViewExpansion}); {@code rowWorkUnbounded}: a trigger, view, default or check of
     * the schema is SQL that {@link RowWork} leaves to the lane.
     */
    record SchemaGuards(java.util.Set<String> shadowTables, Map<String, Long> viewSizes, boolean rowWorkUnbounded) {}

    /** The {@link SchemaGuards} of the schema as it is now, read again only when the schema cookie moved. */
    SchemaGuards schemaGuards() throws SQLException {
        long cookie = schemaCookie();
        if (cookie != guardsCookie) {
            guards = new SchemaGuards(ShadowTables.names(connection()), ViewExpansion.viewSizes(connection()), RowWork.anyLeftToLane(connection()));
            guardsCookie = cookie;
        }
        return guards;
    }

    /**
     * The tenant's own schema's digest ({@link io.cairn.tenantdb.sqlite.SchemaDigest}), computed again only when
     * SQLite's schema cookie ({@code PRAGMA schema_version}) moved.
     */
    String schemaHash() throws SQLException {
        long cookie = schemaCookie();
        if (cookie == schemaCookie && schemaHash != null) return schemaHash;
        schemaHash = io.cairn.tenantdb.sqlite.SchemaDigest.of(connection());
        schemaCookie = cookie;
        return schemaHash;
    }

    long sizeBytes() throws SQLException {
        if (pageSize == 0) {
            try (ResultSet rs = prepare("PRAGMA main.page_size").executeQuery()) {
                pageSize = rs.next() ? rs.getLong(1) : 4096;
            }
        }
        return pageCount() * pageSize;
    }

    /**
     * Lets the statements that follow grow the file by at most {@code maxGrowthBytes} (and never past
     * the tenant's quota): SQLite refuses a write past it with SQLITE_FULL. The cap is a function of
     * the file's content, so a replay reaches the same verdict. Returns true when the cap is below the
     * quota, so that a SQLITE_FULL means "this write is too large" rather than "the tenant is full".
     */
    boolean capGrowth(long maxGrowthBytes) throws SQLException {
        long quotaPages = quotaPages();
        long cap = Math.min(quotaPages, pageCount() + Math.max(1, maxGrowthBytes / SqliteConnections.PAGE_SIZE));
        setMaxPageCount(cap);
        return cap < quotaPages;
    }

    /** Lifts {@link #capGrowth}: back to the tenant's quota. */
    void uncapGrowth() throws SQLException {
        setMaxPageCount(quotaPages());
    }

    private long quotaPages() {
        return conn.limits().maxDatabaseBytes() / SqliteConnections.PAGE_SIZE;
    }

    /**
     * Sets SQLite's page limit for this connection. A PRAGMA takes no parameters, so each value is its own
     * statement, kept with the others ({@link #prepare}): the quota's is one per connection; a cap's changes
     * only when the file grows, so only the last cap's is kept (preparing it per record cost a replay a tenth
     * of its CPU), and the one before is dropped rather than left to crowd the tenant's statements out.
     */
    private void setMaxPageCount(long pages) throws SQLException {
        String sql = "PRAGMA main.max_page_count = " + pages;
        if (pages != quotaPages() && !sql.equals(capSql)) {
            if (capSql != null) closeQuietly(prepared.remove(capSql));
            capSql = sql;
        }
        prepare(sql).executeQuery().close(); // its one row holds the new limit
    }

    /** True when the volume holding the file has less than {@code bytes} usable: a SQLITE_FULL may be the machine's. */
    boolean volumeLow(long bytes) {
        try {
            return Files.getFileStore(file).getUsableSpace() < bytes;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Notes that SQLite ended the open transaction by itself (a write interrupted by its budget, or
     * refused for space, rolls the whole transaction back), so that the next {@link #beginIfNeeded}
     * begins a new one.
     */
    void transactionEnded() {
        inTransaction = false;
    }

    @Override
    public void close() {
        rollback();
        prepared.values().forEach(TenantDatabase::closeQuietly);
        prepared.clear();
        try {
            conn.close();
        } catch (SQLException ignored) {
            // Nothing to do: a close failure leaves nothing uncommitted behind (WAL).
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception ignored) {
            // Closing a statement cannot lose data.
        }
    }
}
