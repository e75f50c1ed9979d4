package io.cairn.client.jdbc;

import java.math.BigDecimal;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.List;
import java.util.Locale;

/** A forward-only, read-only result held whole (a read's rows come back in one answer). */
final class JdbcResultSet implements JdbcObjects.Closes {
    private final List<String> columns;
    private final List<List<Object>> rows;
    private final Object statement;
    private int at = -1;
    private boolean wasNull;
    private boolean closed;

    private JdbcResultSet(List<String> columns, List<List<Object>> rows, Object statement) {
        this.columns = columns;
        this.rows = rows;
        this.statement = statement;
    }

    static ResultSet of(List<String> columns, List<List<Object>> rows, Object statement) {
        return JdbcObjects.proxy(ResultSet.class, new JdbcResultSet(columns, rows, statement));
    }

    public boolean next() {
        if (at < rows.size()) at++;
        return at < rows.size();
    }

    public void close() {
        closed = true;
    }

    /** Closed itself, or with its statement (closed, run again, or its connection closed). */
    public boolean isClosed() {
        if (!closed && statement instanceof java.sql.Statement s) {
            try {
                closed = s.isClosed();
            } catch (SQLException e) {
                closed = true;
            }
        }
        return closed;
    }

    public boolean wasNull() {
        return wasNull;
    }

    public int findColumn(String label) throws SQLException {
        for (int i = 0; i < columns.size(); i++) if (columns.get(i).equalsIgnoreCase(label)) return i + 1;
        throw new SQLException("no column " + label + " in " + columns, "42S22");
    }

    public ResultSetMetaData getMetaData() {
        return JdbcObjects.proxy(ResultSetMetaData.class, new JdbcResultSetMetaData(columns, rows));
    }

    public java.sql.Statement getStatement() {
        return statement instanceof java.sql.Statement s ? s : null;
    }

    public Object getObject(int i) throws SQLException {
        return value(i);
    }

    public Object getObject(String label) throws SQLException {
        return value(findColumn(label));
    }

    public <T> T getObject(int i, Class<T> type) throws SQLException {
        Object v = value(i);
        if (v == null) return null;
        Object out;
        if (type == String.class) out = JdbcValues.string(v);
        else if (type == Long.class) out = getLong(i);
        else if (type == Integer.class) out = getInt(i);
        else if (type == Short.class) out = getShort(i);
        else if (type == Byte.class) out = getByte(i);
        else if (type == Double.class) out = getDouble(i);
        else if (type == Float.class) out = getFloat(i);
        else if (type == Boolean.class) out = getBoolean(i);
        else if (type == BigDecimal.class) out = getBigDecimal(i);
        else if (type == byte[].class) out = JdbcValues.bytes(v);
        else if (type == LocalDateTime.class) out = JdbcValues.dateTime(v);
        else if (type == LocalDate.class) out = JdbcValues.dateTime(v).toLocalDate();
        else if (type == LocalTime.class) out = JdbcValues.time(v);
        // An Instant or OffsetDateTime was stored as its UTC wall time (setObject): read back as UTC.
        else if (type == java.time.Instant.class) out = JdbcValues.dateTime(v).toInstant(java.time.ZoneOffset.UTC);
        else if (type == java.time.OffsetDateTime.class) out = JdbcValues.dateTime(v).atOffset(java.time.ZoneOffset.UTC);
        else if (type == Timestamp.class) out = Timestamp.valueOf(JdbcValues.dateTime(v));
        else if (type == java.util.UUID.class) out = JdbcValues.parsed(v, java.util.UUID::fromString, "a UUID");
        else if (type.isInstance(v)) out = v;
        else throw new SQLException("cannot read column " + i + " as " + type.getName(), "22018");
        return type.cast(out);
    }

    public <T> T getObject(String label, Class<T> type) throws SQLException {
        return getObject(findColumn(label), type);
    }

    public String getString(int i) throws SQLException {
        return JdbcValues.string(value(i));
    }

    public String getString(String label) throws SQLException {
        return getString(findColumn(label));
    }

    public String getNString(int i) throws SQLException {
        return getString(i);
    }

    public String getNString(String label) throws SQLException {
        return getString(label);
    }

    public long getLong(int i) throws SQLException {
        return read(i, JdbcValues::longValue);
    }

    public long getLong(String label) throws SQLException {
        return getLong(findColumn(label));
    }

    public int getInt(int i) throws SQLException {
        return (int) (long) read(i, v -> JdbcValues.within(JdbcValues.longValue(v), Integer.MIN_VALUE, Integer.MAX_VALUE, "int"));
    }

    public int getInt(String label) throws SQLException {
        return getInt(findColumn(label));
    }

    public short getShort(int i) throws SQLException {
        return (short) (long) read(i, v -> JdbcValues.within(JdbcValues.longValue(v), Short.MIN_VALUE, Short.MAX_VALUE, "short"));
    }

    public short getShort(String label) throws SQLException {
        return getShort(findColumn(label));
    }

    public byte getByte(int i) throws SQLException {
        return (byte) (long) read(i, v -> JdbcValues.within(JdbcValues.longValue(v), Byte.MIN_VALUE, Byte.MAX_VALUE, "byte"));
    }

    public byte getByte(String label) throws SQLException {
        return getByte(findColumn(label));
    }

    public boolean getBoolean(int i) throws SQLException {
        return read(i, v -> {
            if (v instanceof String s && (s.strip().equalsIgnoreCase("true") || s.strip().equalsIgnoreCase("false"))) return s.strip().equalsIgnoreCase("true");
            // As SQLite's own truth: a number other than 0 (0.5 too) is true; text that is no number is 22018.
            return v instanceof Double d ? d != 0 : v instanceof String s ? JdbcValues.doubleValue(s) != 0 : JdbcValues.longValue(v) != 0;
        });
    }

    public boolean getBoolean(String label) throws SQLException {
        return getBoolean(findColumn(label));
    }

    public double getDouble(int i) throws SQLException {
        return read(i, JdbcValues::doubleValue);
    }

    public double getDouble(String label) throws SQLException {
        return getDouble(findColumn(label));
    }

    public float getFloat(int i) throws SQLException {
        return (float) getDouble(i);
    }

    public float getFloat(String label) throws SQLException {
        return getFloat(findColumn(label));
    }

    public BigDecimal getBigDecimal(int i) throws SQLException {
        return read(i, JdbcValues::decimal);
    }

    public BigDecimal getBigDecimal(String label) throws SQLException {
        return getBigDecimal(findColumn(label));
    }

    public byte[] getBytes(int i) throws SQLException {
        return JdbcValues.bytes(value(i));
    }

    public byte[] getBytes(String label) throws SQLException {
        return getBytes(findColumn(label));
    }

    public java.io.InputStream getBinaryStream(int i) throws SQLException {
        byte[] b = getBytes(i);
        return b == null ? null : new java.io.ByteArrayInputStream(b);
    }

    public java.io.InputStream getBinaryStream(String label) throws SQLException {
        return getBinaryStream(findColumn(label));
    }

    public java.io.Reader getCharacterStream(int i) throws SQLException {
        String s = getString(i);
        return s == null ? null : new java.io.StringReader(s);
    }

    public java.io.Reader getCharacterStream(String label) throws SQLException {
        return getCharacterStream(findColumn(label));
    }

    public Timestamp getTimestamp(int i) throws SQLException {
        LocalDateTime t = JdbcValues.dateTime(value(i));
        return t == null ? null : Timestamp.valueOf(t);
    }

    public Timestamp getTimestamp(String label) throws SQLException {
        return getTimestamp(findColumn(label));
    }

    public Date getDate(int i) throws SQLException {
        LocalDateTime t = JdbcValues.dateTime(value(i));
        return t == null ? null : Date.valueOf(t.toLocalDate());
    }

    public Date getDate(String label) throws SQLException {
        return getDate(findColumn(label));
    }

    public Time getTime(int i) throws SQLException {
        LocalTime t = JdbcValues.time(value(i));
        return t == null ? null : Time.valueOf(t);
    }

    public Time getTime(String label) throws SQLException {
        return getTime(findColumn(label));
    }

    public int getRow() {
        return at >= 0 && at < rows.size() ? at + 1 : 0;
    }

    public boolean isBeforeFirst() {
        return at < 0 && !rows.isEmpty();
    }

    public boolean isAfterLast() {
        return at >= rows.size() && !rows.isEmpty();
    }

    public boolean isFirst() {
        return at == 0 && !rows.isEmpty();
    }

    public boolean isLast() {
        return at == rows.size() - 1 && !rows.isEmpty();
    }

    public int getType() {
        return ResultSet.TYPE_FORWARD_ONLY;
    }

    public int getConcurrency() {
        return ResultSet.CONCUR_READ_ONLY;
    }

    public int getHoldability() {
        return ResultSet.CLOSE_CURSORS_AT_COMMIT;
    }

    public int getFetchSize() {
        return rows.size();
    }

    public void setFetchSize(int rows) {}

    public int getFetchDirection() {
        return ResultSet.FETCH_FORWARD;
    }

    public void setFetchDirection(int direction) {}

    public SQLWarning getWarnings() {
        return null;
    }

    public void clearWarnings() {}

    /** A conversion of a stored value, which may refuse it. */
    private interface Conversion<T> {
        T of(Object v) throws SQLException;
    }

    /** Column {@code i}'s value converted; a refusal names the column, as a value alone may be found in many. */
    private <T> T read(int i, Conversion<T> conversion) throws SQLException {
        Object v = value(i);
        try {
            return conversion.of(v);
        } catch (SQLException e) {
            throw new SQLException("column " + i + " (" + columns.get(i - 1) + "): " + e.getMessage(), e.getSQLState(), e);
        }
    }

    private Object value(int column) throws SQLException {
        if (closed) throw new SQLException("the result set is closed", "HY010");
        if (at < 0 || at >= rows.size()) throw new SQLException("no current row (call next() first)", "24000");
        if (column < 1 || column > columns.size()) throw new SQLException("no column " + column + " (1 to " + columns.size() + ")", "42S22");
        Object v = rows.get(at).get(column - 1);
        wasNull = v == null;
        return v;
    }

    @Override
    public String toString() {
        return "cairn result of " + rows.size() + " row(s), columns " + columns.toString().toLowerCase(Locale.ROOT);
    }
}
