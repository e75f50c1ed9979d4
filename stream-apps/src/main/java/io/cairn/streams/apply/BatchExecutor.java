package io.cairn.streams.apply;

import io.cairn.tenantdb.sql.CheckedStatement;
import io.cairn.tenantdb.sql.DeterministicFunctions;
import io.cairn.tenantdb.sql.ParameterBinder;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.tenantdb.sql.StatementPolicy;
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
 */
final class BatchExecutor {
    /**
     * Work one write statement may do, in SQLite virtual-machine steps (about a second on current
     * hardware). A work limit, not a time limit: replicas and rebuilds on other machines must reach the
     * same verdict, so the limit is part of deterministic replay.
     */
    static final long MAX_STEPS_PER_STATEMENT = 200_000_000L;

    private final int maxResultRows;

    BatchExecutor(int maxResultRows) {
        this.maxResultRows = maxResultRows;
    }

    Outcome run(TenantDatabase db, List<Statement> statements) {
        List<StatementResult> results = new ArrayList<>(statements.size());
        for (int i = 0; i < statements.size(); i++) {
            Statement st = statements.get(i);
            try {
                results.add(runOne(db, st));
            } catch (SqlRefusal r) {
                return new Outcome.Failed(r.code(), r.getMessage(), i);
            } catch (ResultTooLarge e) {
                return new Outcome.Failed(ErrorCode.RESULT_TOO_LARGE, e.getMessage(), i);
            } catch (SQLException e) {
                ErrorCode code = DeterministicFunctions.isNondeterministic(e) ? ErrorCode.NONDETERMINISTIC : SqliteErrors.code(e);
                return new Outcome.Failed(code, SqliteErrors.message(e), i);
            } finally {
                db.tenantConnection().deadline().clear();
            }
        }
        return new Outcome.Applied(results);
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

    private StatementResult runOne(TenantDatabase db, Statement st) throws SqlRefusal, SQLException, ResultTooLarge {
        CheckedStatement checked = StatementPolicy.checkWrite(st.getSql());
        PreparedStatement ps = db.prepare(checked.sql());
        ParameterBinder.bind(ps, checked, toJdbc(st.getPositional()), toJdbc(st.getNamed()));
        var sqlite = ((SQLiteConnection) db.connection()).getDatabase();
        long totalBefore = sqlite.total_changes();
        db.tenantConnection().deadline().startSteps(MAX_STEPS_PER_STATEMENT);
        List<String> columns = List.of();
        List<List<Object>> rows = List.of();
        if (ps.execute()) {
            try (ResultSet rs = ps.getResultSet()) {
                columns = columns(rs.getMetaData());
                rows = rows(rs, columns.size());
            }
        }
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

    private List<List<Object>> rows(ResultSet rs, int width) throws SQLException, ResultTooLarge {
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
            if (rows.size() == maxResultRows) {
                throw new ResultTooLarge("a statement in a write may return at most " + maxResultRows
                        + " rows; read larger results with /query");
            }
            List<Object> row = new ArrayList<>(width);
            for (int c = 1; c <= width; c++) row.add(toAvro(rs.getObject(c)));
            rows.add(row);
        }
        return rows;
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
