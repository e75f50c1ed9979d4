package io.cairn.streams.apply;

import io.cairn.tenantdb.sql.CheckedStatement;
import io.cairn.tenantdb.sql.DeterministicFunctions;
import io.cairn.tenantdb.sql.ParameterBinder;
import io.cairn.tenantdb.sql.ShadowTables;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.tenantdb.sql.StatementPolicy;
import io.cairn.tenantdb.sql.ViewExpansion;
import io.cairn.tenantdb.sqlite.SqliteErrors;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.StatementResult;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConnection;

/**
 * Runs the statements of one ExecuteBatch on a tenant's database, inside a savepoint the caller opened:
 * on the first failure it stops and reports which statement failed; the caller rolls the savepoint back,
 * so a batch is all or nothing. The policy is checked again here (not only at the edge) because the log
 * may hold records from older edges, and because the rewrite it does is part of deterministic replay.
 *
 * <p>One budget per record ({@link Budget}), whatever it holds: SQLite VM steps across all its
 * statements and bytes of file growth, plus {@link #MAX_RESULT_BYTES_PER_RECORD} of returned rows.
 * Every part is counted in units of the data (steps, pages, bytes), never in time: replicas and
 * rebuilds on other machines must reach the same verdict. Under the quick budget, a record that needs
 * more is not failed: {@link NeedsFullBudget} sends it to the heavy lane.
 *
 * <p>What a tenant's SQL causes is an {@link Outcome.Failed} (a verdict, part of the log's history);
 * what the machine causes (I/O errors, a full volume, too little space for temporary files, a damaged file) is thrown as {@link SQLException},
 * never turned into a verdict, because a replay elsewhere would not meet it.
 */
final class BatchExecutor {
    /** The record needs more than the quick budget: its savepoint must be rolled back and the record deferred. */
    static final class NeedsFullBudget extends Exception {
        NeedsFullBudget() {
            super("needs the full budget", null, false, false);
        }
    }

    /**
     * Rows a write may return across its statements, in bytes: the outcome travels as one Kafka record,
     * whose limit ({@code TopicCatalog.MAX_MESSAGE_BYTES}, 4 MiB) this stays far below.
     */
    static final long MAX_RESULT_BYTES_PER_RECORD = 1L << 20;
    /** Longest error message an outcome carries: SQLite quotes the tenant's text in some of its messages. */
    static final int MAX_MESSAGE_CHARS = 1_000;

    private final int maxResultRows;

    BatchExecutor(int maxResultRows) {
        this.maxResultRows = maxResultRows;
    }

    /**
     * Runs {@code statements} under {@code budget}.
     *
     * @throws NeedsFullBudget under the quick budget, when the record needs more (nothing is decided)
     * @throws SQLException when the machine, not the SQL, failed (I/O, a full volume, corruption)
     */
    Outcome run(TenantDatabase db, List<Statement> statements, Budget budget) throws SQLException, NeedsFullBudget {
        List<StatementResult> results = new ArrayList<>(statements.size());
        long[] resultBytes = {0};
        // Before the budget starts: whether it is read again depends on this connection's cache, not on the record.
        TenantDatabase.SchemaGuards guards = db.schemaGuards();
        if (budget.quick() && (guards.rowWorkUnbounded() || statements.stream().anyMatch(st -> RowWork.leftToLane(st.getSql())))) {
            throw new NeedsFullBudget(); // one row of it could hold the stream thread past any budget (RowWork)
        }
        if (budget.quick() && db.walOverLately(TenantDatabase.WAL_LIMIT_BYTES)) {
            throw new NeedsFullBudget(); // its WAL waits for a reset, which waits for its readers: on the lane (TenantDatabase#resetWal)
        }
        boolean capped = db.capGrowth(budget.growthBytes());
        db.tenantConnection().deadline().startSteps(budget.steps(), budget.wallNanos(), db.tenantConnection().limits().minFreeTempBytes());
        if (budget.quick()) valueLimit(db, Budget.QUICK_VALUE_BYTES);
        try {
            for (int i = 0; i < statements.size(); i++) {
                try {
                    results.add(runOne(db, statements.get(i), resultBytes, guards));
                    if (ShadowTables.mayChangeSchema(statements.get(i).getSql())) {
                        io.cairn.tenantdb.sql.SchemaSize.refuseOver(db.connection());
                        ViewExpansion.refuseOver(db.connection());
                        guards = db.schemaGuards();
                        ShadowTables.refuseTriggersNaming(db.connection(), guards.shadowTables());
                    }
                } catch (SqlRefusal r) {
                    return failed(r.code(), r.getMessage(), i);
                } catch (ResultTooLarge e) {
                    return failed(ErrorCode.RESULT_TOO_LARGE, e.getMessage(), i);
                } catch (SQLException e) {
                    if (db.tenantConnection().deadline().stoppedForTempSpace()) {
                        // The machine's, never the write's: on the stream thread it moves to the lane, which waits it out.
                        if (budget.quick()) throw new NeedsFullBudget();
                        throw tempSpaceLow(db, e);
                    }
                    ErrorCode code = verdict(db, e, capped);
                    if (budget.quick() && (code == ErrorCode.STATEMENT_TIMEOUT || code == ErrorCode.WRITE_TOO_LARGE
                            || code == ErrorCode.VALUE_TOO_LARGE)) {
                        throw new NeedsFullBudget();
                    }
                    String exhausted = code == ErrorCode.SQL_ERROR || code == ErrorCode.STATEMENT_TIMEOUT ? null : exhaustedAutoincrement(db, e);
                    if (exhausted != null) return failed(ErrorCode.SQL_ERROR, exhausted, i);
                    Outcome.Failed f = failed(code, message(e, capped), i);
                    boolean raised = e instanceof org.sqlite.SQLiteException se && se.getResultCode() == org.sqlite.SQLiteErrorCode.SQLITE_CONSTRAINT_TRIGGER;
                    return new Outcome.Failed(f.code(), f.message(), f.statement(), raised,
                            code == ErrorCode.SQL_ERROR ? io.cairn.tenantdb.sqlite.SqliteErrors.codeName(e) : null);
                }
            }
            return new Outcome.Applied(results);
        } finally {
            db.tenantConnection().deadline().clear();
            if (budget.quick()) valueLimit(db, io.cairn.tenantdb.sqlite.SqliteConnections.MAX_VALUE_BYTES);
            db.uncapGrowth();
        }
    }

    private static void valueLimit(TenantDatabase db, int bytes) throws SQLException {
        db.tenantConnection().connection().setLimit(org.sqlite.SQLiteLimits.SQLITE_LIMIT_LENGTH, bytes);
    }

    /** A write stopped because the node is short of space for SQLite's temporary files: a machine failure (an I/O cause). */
    private static SQLException tempSpaceLow(TenantDatabase db, SQLException stopped) {
        String m = "tenant " + db.tenantConnection().tenant() + ": write stopped, under " + (db.tenantConnection().limits().minFreeTempBytes() >> 20)
                + " MiB free for SQLite's temporary files; it is applied when the space is there";
        SQLException e = new SQLException(m, new java.io.IOException(m));
        e.addSuppressed(stopped);
        return e;
    }

    static Outcome.Failed failed(ErrorCode code, String message, Integer statement) {
        String m = message == null ? "" : message;
        if (m.length() > MAX_MESSAGE_CHARS) m = m.substring(0, MAX_MESSAGE_CHARS) + "...";
        return new Outcome.Failed(code, m, statement);
    }

    /** The verdict for a failed statement; rethrows what is the machine's fault rather than the SQL's. */
    static ErrorCode verdict(TenantDatabase db, SQLException e, boolean capped) throws SQLException {
        if (DeterministicFunctions.isNondeterministic(e)) return ErrorCode.NONDETERMINISTIC;
        if (SqliteErrors.isMachineFailure(e)) throw e;
        // Not SQLite's answer to the statement but the driver's about its own state (a statement it closed: "statement is
        // not executing"): no verdict, or the write is failed here and applied by every replay (found from outside).
        if (!(e instanceof org.sqlite.SQLiteException)) throw e;
        ErrorCode code = SqliteErrors.code(e);
        if (code == ErrorCode.QUOTA_EXCEEDED) {
            // SQLITE_FULL is also what a full volume looks like. Only with room on the volume is it the
            // quota or the growth cap, a function of the data; otherwise it is the machine's, retried.
            if (db.volumeLow(Budget.FULL.growthBytes())) throw e;
            if (capped) return ErrorCode.WRITE_TOO_LARGE;
        }
        return code;
    }

    /**
     * SQLite refuses a row of an AUTOINCREMENT table whose counter ({@code sqlite_sequence}) holds the largest
     * rowid with SQLITE_FULL, the code of a full database: told as that, a person would split a write or free space
     * for nothing. Returns the sentence naming the table when the failure is a SQLITE_FULL and such a counter
     * exists (read from the content, so every copy says the same), else null.
     */
    private static String exhaustedAutoincrement(TenantDatabase db, SQLException e) throws SQLException {
        if ((e.getErrorCode() & 0xff) != org.sqlite.SQLiteErrorCode.SQLITE_FULL.code) return null;
        try (ResultSet has = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'").executeQuery()) {
            if (!has.next()) return null;
        }
        try (ResultSet rs = db.prepare("SELECT name FROM sqlite_sequence WHERE seq = 9223372036854775807 ORDER BY name LIMIT 1").executeQuery()) {
            if (!rs.next()) return null;
            return "AUTOINCREMENT table " + rs.getString(1) + " has handed out its largest id (9223372036854775807, set in"
                    + " sqlite_sequence): SQLite adds no more rows to it (database or disk is full); lower its sqlite_sequence row";
        }
    }

    private static String message(SQLException e, boolean capped) {
        return switch (SqliteErrors.code(e)) {
            case STATEMENT_TIMEOUT -> "this write did more work than one write may (" + Budget.FULL.steps() / 1_000_000
                    + " million SQLite steps across its statements, a second or more): split it, or add an index";
            case QUOTA_EXCEEDED -> capped ? "one write may add at most " + (Budget.FULL.growthBytes() >> 20)
                    + " MiB to the database: split it" : SqliteErrors.message(e);
            default -> SqliteErrors.message(e);
        };
    }

    /**
     * SQL can read {@code last_insert_rowid()} and {@code changes()}, which a long-lived connection
     * carries over from the previous record but a restarted applier does not: replay would differ.
     * An insert with rowid 0 into a private temp table sets both to the same values (0 and 1) before
     * every batch, on every copy. Call it outside the record's savepoint, as the last write before the
     * batch: a failing batch rolls its savepoint back, and must not take the temp table with it.
     */
    static void resetConnectionState(TenantDatabase db) throws SQLException {
        try {
            db.prepare("INSERT OR REPLACE INTO temp._cairn_reset (rowid) VALUES (0)").executeUpdate();
        } catch (SQLException e) {
            if (e.getMessage() == null || !e.getMessage().contains("no such table")) throw e;
            db.execute("CREATE TEMP TABLE IF NOT EXISTS _cairn_reset (x)");
            db.prepare("INSERT OR REPLACE INTO temp._cairn_reset (rowid) VALUES (0)").executeUpdate();
        }
    }

    private StatementResult runOne(TenantDatabase db, Statement st, long[] resultBytes, TenantDatabase.SchemaGuards guards)
            throws SqlRefusal, SQLException, ResultTooLarge {
        CheckedStatement checked = StatementPolicy.checkWrite(st.getSql());
        ShadowTables.refuseNaming(checked.sql(), guards.shadowTables());
        ViewExpansion.refuseStatement(checked.sql(), guards.viewSizes()); // before SQLite compiles it: no budget reaches a compile
        PreparedStatement ps = db.prepare(checked.sql());
        ParameterBinder.bind(ps, checked, toJdbc(st.getPositional()), toJdbc(st.getNamed()));
        var sqlite = ((SQLiteConnection) db.connection()).getDatabase();
        long totalBefore = sqlite.total_changes();
        List<String> columns = List.of();
        List<List<Object>> rows = List.of();
        db.largestRowid.clear();
        if (ps.execute()) {
            try (ResultSet rs = ps.getResultSet()) {
                columns = columns(rs.getMetaData());
                for (String c : columns) resultBytes[0] += c.length();
                rows = rows(rs, columns.size(), resultBytes);
            }
        }
        db.largestRowid.check();
        long changes = sqlite.total_changes() == totalBefore ? 0 : sqlite.changes();
        return StatementResult.newBuilder()
                .setChanges(changes)
                .setLastInsertRowid(db.lastInsertRowid())
                .setColumns(columns)
                .setRows(rows)
                .build();
    }

    private static List<String> columns(ResultSetMetaData md) throws SQLException {
        List<String> names = new ArrayList<>(md.getColumnCount());
        for (int c = 1; c <= md.getColumnCount(); c++) names.add(md.getColumnLabel(c));
        return names;
    }

    private List<List<Object>> rows(ResultSet rs, int width, long[] resultBytes) throws SQLException, ResultTooLarge {
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
            if (rows.size() == maxResultRows) {
                throw new ResultTooLarge("a statement in a write may return at most " + maxResultRows
                        + " rows; read larger results with /query");
            }
            List<Object> row = new ArrayList<>(width);
            for (int c = 1; c <= width; c++) {
                Object v = toAvro(rs.getObject(c));
                resultBytes[0] += weight(v);
                row.add(v);
            }
            if (resultBytes[0] > MAX_RESULT_BYTES_PER_RECORD) {
                throw new ResultTooLarge("a write may return at most " + (MAX_RESULT_BYTES_PER_RECORD >> 10)
                        + " KiB (1 MiB) of rows across its statements, text counted at 3 bytes a character (the most UTF-8 takes for one);"
                        + " read larger results with /query");
            }
            rows.add(row);
        }
        return rows;
    }

    /** Bytes a value takes in the outcome record (strings counted as UTF-16 units, an upper bound for ASCII). */
    private static long weight(Object v) {
        if (v instanceof String s) return 8L + s.length() * 3L;
        if (v instanceof ByteBuffer b) return 8L + b.remaining();
        return 9;
    }

    static Object toAvro(Object v) {
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof byte[] b) return ByteBuffer.wrap(b);
        return v;
    }

    static Object toJdbc(Object v) {
        if (v instanceof ByteBuffer b) {
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }
        if (v instanceof CharSequence s) return s.toString();
        return v;
    }

    private static List<Object> toJdbc(List<Object> values) {
        if (values.isEmpty()) return List.of();
        List<Object> out = new ArrayList<>(values.size());
        for (Object v : values) out.add(toJdbc(v));
        return out;
    }

    private static Map<String, Object> toJdbc(Map<String, Object> values) {
        if (values.isEmpty()) return Map.of();
        Map<String, Object> out = new HashMap<>(values.size() * 2);
        values.forEach((k, v) -> out.put(k, toJdbc(v)));
        return out;
    }

    private static final class ResultTooLarge extends Exception {
        ResultTooLarge(String message) {
            super(message, null, false, false);
        }
    }
}
