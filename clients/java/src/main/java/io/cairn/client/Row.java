package io.cairn.client;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;

/**
 * One row of a result, with typed access by column index (0-based) or name. Integers come back exact
 * ({@link Long}), reals as {@link Double}, text as {@link String}, blobs as {@code byte[]}. A value the Java type
 * cannot hold is an error, never a wrapped or truncated number: {@link ArithmeticException} for a number (a real
 * with a fraction read as a long, a long past 64 bits), {@link IllegalArgumentException} naming the column for a
 * text that is no number.
 */
public record Row(List<String> columns, List<Object> values) {
    public Object get(int column) {
        return values.get(column);
    }

    /**
     * The value of the first column named {@code column}: a result may have several ({@code SELECT 1 AS a, 2 AS a}),
     * as in SQL; read the others by index. JDBC's {@code findColumn} does the same.
     */
    public Object get(String column) {
        int i = columns.indexOf(column);
        if (i < 0) throw new IllegalArgumentException("no column " + column + " in " + columns);
        return values.get(i);
    }

    /** The value as a long: an integer, a real without a fraction, or a text holding one. */
    public Long getLong(String column) {
        Object v = get(column);
        return switch (v) {
            case null -> null;
            case Long l -> l;
            case BigInteger b -> b.longValueExact();
            case Double d -> {
                // (long) of a double past the range is the range's end, and of 2.5 is 2: wrong numbers, not read ones.
                if (!(d >= -0x1p63 && d < 0x1p63)) throw new ArithmeticException(d + " does not fit in a long");
                if (d != Math.rint(d)) throw new ArithmeticException(d + " has a fraction: a long cannot hold it; read it with getDouble");
                yield d.longValue();
            }
            default -> {
                BigDecimal d = number(column, v);
                if (d.stripTrailingZeros().scale() > 0) throw new ArithmeticException(v + " has a fraction: a long cannot hold it; read it with getDouble");
                yield d.longValueExact(); // ArithmeticException past 64 bits
            }
        };
    }

    /** The value as a double: a number (the nearest double to a long past 2^53), or a text holding a finite one. */
    public Double getDouble(String column) {
        Object v = get(column);
        if (v == null) return null;
        if (v instanceof Number n) return n.doubleValue();
        double d = number(column, v).doubleValue();
        if (Double.isInfinite(d)) throw new ArithmeticException(v + " does not fit in a double");
        return d;
    }

    public String getString(String column) {
        Object v = get(column);
        return v == null ? null : v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : v.toString();
    }

    public byte[] getBytes(String column) {
        Object v = get(column);
        return v == null ? null : v instanceof byte[] b ? b : v.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The value as an instant: a date-time text as both clients store one ({@link SqlTime}), or as SQLite or
     * ISO-8601 writes it, read as UTC unless it names its offset; {@link java.time.format.DateTimeParseException}
     * naming the column for any other value.
     */
    public java.time.Instant getInstant(String column) {
        Object v = get(column);
        if (v == null) return null;
        try {
            if (v instanceof String s) return SqlTime.parse(s).toInstant(java.time.ZoneOffset.UTC);
        } catch (java.time.format.DateTimeParseException e) {
            // refused below, naming the column
        }
        throw new java.time.format.DateTimeParseException("column " + column + " holds " + shown(v) + ", not a date-time", String.valueOf(v), 0);
    }

    /** A text holding a decimal number (SQL's syntax, not Java's: no NaN, no {@code 1f}); IllegalArgumentException naming the column else. */
    private static BigDecimal number(String column, Object v) {
        if (v instanceof String s) {
            try {
                return new BigDecimal(s.strip());
            } catch (NumberFormatException e) {
                // falls through to the refusal below
            }
        }
        throw new IllegalArgumentException("column " + column + " holds " + shown(v) + ", not a number");
    }

    /** A value in an error: text quoted (its spaces seen), a blob by its size. */
    private static String shown(Object v) {
        return v instanceof byte[] b ? "a blob of " + b.length + " bytes" : v instanceof String ? "'" + v + "'" : v.toString();
    }
}
