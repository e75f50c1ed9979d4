package io.cairn.client.jdbc;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * Columns of a result: their names, and a type read from the values (SQLite types values, not columns:
 * the first non-null value of the column says INTEGER, REAL, TEXT or BLOB).
 */
final class JdbcResultSetMetaData {
    private final List<String> columns;
    private final List<List<Object>> rows;

    JdbcResultSetMetaData(List<String> columns, List<List<Object>> rows) {
        this.columns = columns;
        this.rows = rows;
    }

    public int getColumnCount() {
        return columns.size();
    }

    public String getColumnName(int i) throws SQLException {
        return column(i);
    }

    public String getColumnLabel(int i) throws SQLException {
        return column(i);
    }

    public int getColumnType(int i) throws SQLException {
        column(i);
        for (List<Object> r : rows) if (r.get(i - 1) != null) return JdbcValues.sqlType(r.get(i - 1));
        return Types.NULL;
    }

    public String getColumnTypeName(int i) throws SQLException {
        return switch (getColumnType(i)) {
            case Types.BIGINT -> "INTEGER";
            case Types.DOUBLE -> "REAL";
            case Types.BLOB -> "BLOB";
            case Types.NULL -> "NULL";
            default -> "TEXT";
        };
    }

    public String getColumnClassName(int i) throws SQLException {
        return switch (getColumnType(i)) {
            case Types.BIGINT -> Long.class.getName();
            case Types.DOUBLE -> Double.class.getName();
            case Types.BLOB -> byte[].class.getName();
            default -> String.class.getName();
        };
    }

    public int isNullable(int i) {
        return ResultSetMetaData.columnNullableUnknown;
    }

    public boolean isAutoIncrement(int i) {
        return false;
    }

    public boolean isCaseSensitive(int i) {
        return true;
    }

    public boolean isSearchable(int i) {
        return true;
    }

    public boolean isCurrency(int i) {
        return false;
    }

    public boolean isSigned(int i) throws SQLException {
        int t = getColumnType(i);
        return t == Types.BIGINT || t == Types.DOUBLE;
    }

    public int getColumnDisplaySize(int i) {
        return 40;
    }

    public int getPrecision(int i) {
        return 0;
    }

    public int getScale(int i) {
        return 0;
    }

    public String getTableName(int i) {
        return "";
    }

    public String getSchemaName(int i) {
        return "";
    }

    public String getCatalogName(int i) {
        return "";
    }

    public boolean isReadOnly(int i) {
        return true;
    }

    public boolean isWritable(int i) {
        return false;
    }

    public boolean isDefinitelyWritable(int i) {
        return false;
    }

    private String column(int i) throws SQLException {
        if (i < 1 || i > columns.size()) throw new SQLException("no column " + i + " (1 to " + columns.size() + ")", "42S22");
        return columns.get(i - 1);
    }
}
