package io.cairn.client;

import java.util.List;

/**
 * One row of a result, with typed access by column index (0-based) or name. Integers come back exact
 * ({@link Long}), reals as {@link Double}, text as {@link String}, blobs as {@code byte[]}.
 */
public record Row(List<String> columns, List<Object> values) {
    public Object get(int column) {
        return values.get(column);
    }

    public Object get(String column) {
        int i = columns.indexOf(column);
        if (i < 0) throw new IllegalArgumentException("no column " + column + " in " + columns);
        return values.get(i);
    }

    public Long getLong(String column) {
        Object v = get(column);
        if (v instanceof Double d && !(d >= -0x1p63 && d < 0x1p63)) throw new ArithmeticException(d + " does not fit in a long");
        return v == null ? null : v instanceof Number n ? n.longValue() : Long.valueOf(v.toString());
    }

    public Double getDouble(String column) {
        Object v = get(column);
        return v == null ? null : v instanceof Number n ? n.doubleValue() : Double.valueOf(v.toString());
    }

    public String getString(String column) {
        Object v = get(column);
        return v == null ? null : v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : v.toString();
    }

    public byte[] getBytes(String column) {
        Object v = get(column);
        return v == null ? null : v instanceof byte[] b ? b : v.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
