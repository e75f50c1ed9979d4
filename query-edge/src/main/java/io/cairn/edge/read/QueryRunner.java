package io.cairn.edge.read;

import io.cairn.tenantdb.sql.CheckedStatement;
import io.cairn.tenantdb.sql.LogicalChecksum;
import io.cairn.tenantdb.sql.ParameterBinder;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.tenantdb.sql.StatementPolicy;
import io.cairn.tenantdb.sql.ViewExpansion;
import io.cairn.tenantdb.sql.VolatileCalls;
import io.cairn.tenantdb.sqlite.IntegrityCheck;
import io.cairn.tenantdb.sqlite.SqliteErrors;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.json.StatementSpec;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs one read statement against a tenant's file, in one read transaction, so the position it reports
 * is exactly the state its rows came from. With a bookmark, it first waits (up to the given time) until
 * the file has applied at least that far: read-your-writes. Reads never go through Kafka. Thread-safe.
 */
public final class QueryRunner {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(QueryRunner.class);
    private final ReadPool pool;
    private final AppliedWait appliedWait;
    private final HeldThrough held;
    private final ResultCollector collector;
    private final ReadCache readCache;
    private final ReadTurns turns = ReadTurns.SHARED;

    public QueryRunner(ReadPool pool, AppliedWait appliedWait, int maxRows, long maxBytes) {
        this(pool, appliedWait, maxRows, maxBytes, ReadCache.DISABLED);
    }

    public QueryRunner(ReadPool pool, AppliedWait appliedWait, int maxRows, long maxBytes, ReadCache readCache) {
        this(pool, appliedWait, (tenant, offset) -> false, maxRows, maxBytes, readCache);
    }

    /**
     * @param held whether the copy holds every record of a tenant up to an offset of its partition, by the copy's
     *     positions: a bookmark of another tenant on the partition is a point the file's own position (its tenant's
     *     last record) never reaches, yet the file is as fresh as it asks once the copy has gone past it
     */
    public QueryRunner(ReadPool pool, AppliedWait appliedWait, HeldThrough held, int maxRows, long maxBytes, ReadCache readCache) {
        this.pool = pool;
        this.appliedWait = appliedWait;
        this.held = held;
        this.collector = new ResultCollector(maxRows, maxBytes);
        this.readCache = readCache;
    }

    /**
     * Runs {@code spec} on {@code tenant}'s copy once it has applied {@code atLeast} (null: any position).
     * Throws {@link ApiError}: a policy refusal or SQLite error (400), {@code bookmark_timeout} (504)
     * when the copy did not catch up within {@code wait}; {@link TenantFileDamaged} when the file is
     * missing, fails its check or turns out damaged while reading.
     */
    public QueryResult run(String tenant, StatementSpec spec, Bookmark atLeast, Duration wait) throws InterruptedException {
        CheckedStatement checked;
        try {
            checked = StatementPolicy.checkRead(spec.sql());
        } catch (SqlRefusal r) {
            throw new ApiError(r.code(), r.getMessage());
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            // In one of the tenant's turns (ReadTurns): however many long reads it sends, it pins only its share of carriers.
            QueryResult result = turns.call(tenant, () -> attempt(borrow(tenant), checked, spec, atLeast));
            if (result != null) return result;
            if (held.through(tenant, atLeast.offset())) return turns.call(tenant, () -> attempt(borrow(tenant), checked, spec, null));
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new ApiError(ErrorCode.BOOKMARK_TIMEOUT, "the tenant's copy had not reached bookmark " + atLeast
                        + " within " + wait.toMillis() + " ms; retry, or raise timeout_ms (at most 30000)");
            }
            // Told at once when the tenant's own record lands; looked at again in a while for a point past its last one.
            appliedWait.awaitApplied(tenant, atLeast.offset(), Duration.ofNanos(Math.min(left, HELD_LOOK.toNanos())));
        }
    }

    /** How often a read waiting for a bookmark looks at the copy's positions (another tenant's bookmark). */
    private static final Duration HELD_LOOK = Duration.ofMillis(20);

    /** Whether a copy holds every record of a tenant below {@code offset + 1} on its partition. */
    @FunctionalInterface
    public interface HeldThrough {
        boolean through(String tenant, long offset);
    }

    /** The logical content hash of a tenant's copy and the position it was taken at. */
    public record Checksum(Bookmark position, String sha256) {}

    /**
     * Hashes {@code tenant}'s logical content ({@link LogicalChecksum}) in one read transaction, so the
     * hash and the position belong together: two copies at the same position give the same hash.
     */
    public Checksum checksum(String tenant) throws InterruptedException {
        return turns.call(tenant, () -> checksumHere(tenant));
    }

    private Checksum checksumHere(String tenant) {
        ReadPool.Lease lease = borrow(tenant);
        boolean inTransaction = false;
        try (Statement control = lease.connection().connection().createStatement()) {
            control.execute("BEGIN");
            inTransaction = true;
            Bookmark position = TenantSchema.appliedPosition(lease.connection().connection());
            String sha256 = LogicalChecksum.sha256Hex(lease.connection().connection());
            control.execute("COMMIT");
            pool.release(lease);
            return new Checksum(position, sha256);
        } catch (SQLException e) {
            rollbackOrDiscard(lease, inTransaction);
            if (IntegrityCheck.isCorruption(e)) throw damaged(tenant, e);
            if (SqliteErrors.isMachineFailure(e)) throw onTheMachine(tenant, e);
            throw new IllegalStateException("checksum of a tenant failed: " + e.getMessage(), e);
        }
    }

    /**
     * The position the tenant's file holds (the last of its records applied to it), read now; empty when there is
     * no file, or it cannot be read: the caller then knows nothing of it.
     */
    public Optional<Bookmark> heldPosition(String tenant) {
        ReadPool.Lease lease;
        try {
            lease = pool.borrow(tenant).orElse(null);
        } catch (SQLException | RuntimeException e) {
            return Optional.empty();
        }
        if (lease == null) return Optional.empty();
        try {
            Bookmark position = TenantSchema.appliedPosition(lease.connection().connection());
            pool.release(lease);
            return Bookmark.NONE.equals(position) ? Optional.empty() : Optional.of(position);
        } catch (SQLException e) {
            pool.discard(lease);
            return Optional.empty();
        }
    }

    /**
     * A connection to the tenant's file. The caller checked that the tenant exists, so a missing file is
     * a lost one ({@link TenantFileDamaged}), like a file that fails its check or that SQLite cannot read.
     */
    private ReadPool.Lease borrow(String tenant) {
        try {
            return pool.borrow(tenant).orElseThrow(() -> TenantFileDamaged.missing(tenant));
        } catch (SQLException e) {
            if (IntegrityCheck.isCorruption(e)) throw damaged(tenant, e);
            if (SqliteErrors.isFileGone(e)) throw TenantFileDamaged.missing(tenant); // removed as it was opened
            if (SqliteErrors.isMachineFailure(e)) throw onTheMachine(tenant, e); // locked by another process, an I/O error
            throw new IllegalStateException("cannot open the tenant's file: " + e.getMessage(), e);
        }
    }

    /** A read failed on the machine (the disk, a lock another process holds), never for its statement: 503, logged. */
    private static ApiError onTheMachine(String tenant, SQLException e) {
        log.warn("tenant {}: a read failed on the machine ({})", tenant, e.toString());
        return ApiError.unavailable("the tenant's file could not be read just now (" + SqliteErrors.message(e) + "); retry shortly");
    }

    private TenantFileDamaged damaged(String tenant, SQLException e) {
        pool.distrust(tenant);
        return new TenantFileDamaged(tenant, "SQLite found its file damaged: " + e.getMessage());
    }

    /** One read transaction; null when the copy is behind {@code atLeast}. */
    private QueryResult attempt(ReadPool.Lease lease, CheckedStatement checked, StatementSpec spec, Bookmark atLeast) {
        TenantConnection tc = lease.connection();
        ReadStatements statements = lease.statements();
        boolean inTransaction = false;
        try {
            statements.run("BEGIN");
            inTransaction = true;
            Bookmark position = statements.appliedPosition();
            if (atLeast != null && position.offset() < atLeast.offset()) {
                statements.run("ROLLBACK");
                pool.release(lease);
                return null;
            }
            // The cache is consulted inside the read transaction, at the position this transaction sees.
            String listKey = readCache.listKey(tc.tenant(), checked.sql());
            QueryResult result = readCache.lookup(listKey, tc.tenant(), position, checked.sql(), spec).orElse(null);
            if (result == null) {
                long start = System.nanoTime();
                result = execute(tc, statements, checked, spec, position);
                readCache.offer(listKey, tc.tenant(), checked.sql(), spec, result, System.nanoTime() - start,
                        () -> VolatileCalls.in(tc.connection(), checked.sql()));
            }
            statements.run("COMMIT");
            inTransaction = false;
            pool.release(lease);
            return result;
        } catch (SQLException e) {
            // The driver may have finalized a cached statement on the failure: never pool this connection again.
            pool.discard(lease);
            if (IntegrityCheck.isCorruption(e)) throw damaged(tc.tenant(), e);
            // A read connection writes nothing of the tenant's, so a full disk is its temporary files'.
            if (tc.deadline().stoppedForTempSpace() || SqliteErrors.code(e) == ErrorCode.QUOTA_EXCEEDED) throw tempSpaceLow(tc);
            // The disk's or the file's, never the statement's: not a 400 the client could fix (a write sent as a read is
            // SQLITE_READONLY, query_only's refusal: read_only, the statement's).
            if (SqliteErrors.code(e) == ErrorCode.SQL_ERROR && SqliteErrors.isMachineFailure(e)) throw onTheMachine(tc.tenant(), e);
            String sqliteCode = SqliteErrors.code(e) == ErrorCode.SQL_ERROR ? SqliteErrors.codeName(e) : null;
            throw new ApiError(SqliteErrors.code(e), SqliteErrors.message(e), null, sqliteCode == null ? java.util.Map.of() : java.util.Map.of("sqlite_code", sqliteCode));
        } catch (SqlRefusal r) {
            rollbackOrDiscard(lease, inTransaction);
            throw new ApiError(r.code(), r.getMessage());
        } catch (RuntimeException e) {
            rollbackOrDiscard(lease, inTransaction);
            throw e;
        }
    }

    private QueryResult execute(TenantConnection tc, ReadStatements statements, CheckedStatement checked, StatementSpec spec,
            Bookmark position) throws SQLException, SqlRefusal {
        // Before SQLite compiles it, or compiles it again for a schema changed since: no statement clock reaches a compile.
        ViewExpansion.refuseStatement(checked.sql(), statements.viewSizes(position));
        PreparedStatement ps = statements.prepare(checked.sql());
        ParameterBinder.bind(ps, checked, spec.positional(), spec.named());
        tc.startClock();
        try {
            if (!ps.execute()) return new QueryResult(List.of(), List.of(), position);
            try (ResultSet rs = ps.getResultSet()) {
                List<String> columns = collector.columns(rs);
                return new QueryResult(columns, collector.rows(rs, columns.size()), position);
            }
        } finally {
            tc.deadline().clear();
        }
    }

    private static ApiError tempSpaceLow(TenantConnection tc) {
        return new ApiError(ErrorCode.STORAGE_FULL, "this read was stopped: the node is short of space for SQLite's temporary files"
                + " (sorts, DISTINCT, GROUP BY; under " + (tc.limits().minFreeTempBytes() >> 20) + " MiB free). Retry in a moment;"
                + " a read that needs less temporary space (an index for its ORDER BY or GROUP BY, a LIMIT) is not affected");
    }

    private void rollbackOrDiscard(ReadPool.Lease lease, boolean inTransaction) {
        if (!inTransaction) {
            pool.discard(lease);
            return;
        }
        try (Statement s = lease.connection().connection().createStatement()) {
            s.execute("ROLLBACK");
            pool.release(lease);
        } catch (SQLException e) {
            pool.discard(lease);
        }
    }
}
