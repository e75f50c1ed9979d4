package io.cairn.edge.read;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies a result set into memory within the read limits: it stops as soon as one is passed, so a
 * runaway query costs at most the limit. Sizes are estimated as the JSON the client will receive.
 */
final class ResultCollector {
    private final int maxRows;
    private final long maxBytes;

    ResultCollector(int maxRows, long maxBytes) {
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
    }

    List<String> columns(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> columns = new ArrayList<>(md.getColumnCount());
        for (int i = 1; i <= md.getColumnCount(); i++) columns.add(md.getColumnLabel(i));
        return columns;
    }

    List<List<Object>> rows(ResultSet rs, int columnCount) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        long bytes = 0;
        while (rs.next()) {
            if (rows.size() == maxRows) throw tooLarge("more than " + maxRows + " rows");
            List<Object> row = new ArrayList<>(columnCount);
            for (int i = 1; i <= columnCount; i++) {
                Object v = normalize(rs.getObject(i));
                bytes += estimate(v);
                row.add(v);
            }
            if (bytes > maxBytes) throw tooLarge("more than " + (maxBytes >> 20) + " MiB");
            rows.add(row);
        }
        return rows;
    }

    private static Object normalize(Object v) {
        if (v instanceof Integer i) return i.longValue();
        if (v instanceof Float f) return f.doubleValue();
        return v;
    }

    private static long estimate(Object v) {
        if (v == null) return 5;
        if (v instanceof String s) return s.length() + 3L;
        if (v instanceof byte[] b) return b.length * 4L / 3 + 16;
        return 21;
    }

    private static ApiError tooLarge(String what) {
        return new ApiError(ErrorCode.RESULT_TOO_LARGE, "the result has " + what
                + "; page through it with LIMIT/OFFSET, or better keyset pagination (WHERE id > :last ORDER BY id LIMIT n)");
    }
}
