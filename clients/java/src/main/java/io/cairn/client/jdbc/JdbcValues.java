package io.cairn.client.jdbc;

import io.cairn.client.SqlTime;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/** Conversions between JDBC's types and the values SQLite stores (integer, real, text, blob, null). */
final class JdbcValues {
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private JdbcValues() {}

    /** SQLite's datetime text for a timestamp ({@link SqlTime}: the Java client's too). */
    static String timestampText(LocalDateTime t) {
        return SqlTime.text(t);
    }

    /** A parameter as one of the values the client sends. */
    static Object parameter(Object v) throws SQLException {
        return switch (v) {
            case null -> null;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case BigInteger b -> integer(new BigDecimal(b), b);
            // As the client sends one: without a fraction, exact; with one, the nearest double.
            case BigDecimal d -> d.scale() <= 0 ? (Object) integer(d, d) : finite(d.doubleValue(), d);
            case Double d -> finite(d, d);
            case Float f -> finite(f.doubleValue(), f);
            case String s -> s;
            case byte[] b -> b.clone();
            case Timestamp t -> timestampText(t.toLocalDateTime());
            case java.sql.Date d -> d.toLocalDate().toString();
            case java.sql.Time t -> SqlTime.text(t.toLocalTime());
            case java.util.Date d -> timestampText(new Timestamp(d.getTime()).toLocalDateTime());
            case LocalDateTime t -> timestampText(t);
            case LocalDate d -> d.toString();
            case LocalTime t -> SqlTime.text(t);
            case Instant i -> SqlTime.text(i);
            case OffsetDateTime o -> SqlTime.text(o);
            case UUID u -> u.toString();
            case Character c -> c.toString();
            case Enum<?> e -> e.name();
            default -> throw new SQLException("parameters of type " + v.getClass().getName() + " are not supported", "22023");
        };
    }

    /** An integer as a long; 22003 past 64 bits, SQLite's integers (never sent as text, never rounded to a real). */
    private static long integer(BigDecimal i, Object shown) throws SQLException {
        if (i.compareTo(LONG_MIN) < 0 || i.compareTo(LONG_MAX) > 0) {
            throw new SQLException("parameter " + shown + " does not fit 64 bits: the API stores integers of 64 bits", "22003");
        }
        return i.longValueExact();
    }

    /** {@code d} when finite; 22003 else, as the API refuses non-finite numbers (JSON has no NaN nor infinity). */
    static double finite(double d, Object shown) throws SQLException {
        if (!Double.isFinite(d)) throw new SQLException("parameter " + shown + " is not a finite number: the API refuses non-finite numbers", "22003");
        return d;
    }

    static String string(Object v) {
        return v == null ? null : v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : v instanceof Double d && d == Math.rint(d)
                && !Double.isInfinite(d) ? Double.toString(d) : v.toString();
    }

    static long longValue(Object v) throws SQLException {
        if (v == null) return 0;
        if (v instanceof Long l) return l;
        if (v instanceof Double d) {
            // (long) of a double past the range is the range's end, and of 2.5 is 2: wrong numbers, not read ones.
            if (!(d >= -0x1p63 && d < 0x1p63)) throw new SQLException(d + " does not fit in a Java long", "22003");
            if (d != Math.rint(d)) throw new SQLException(d + " has a fraction: an integer type cannot hold it; read it with getDouble", "22003");
            return d.longValue();
        }
        if (v instanceof Number n) return n.longValue();
        if (v instanceof Boolean b) return b ? 1 : 0;
        BigDecimal d = decimal(v);
        if (d.compareTo(LONG_MIN) < 0 || d.compareTo(LONG_MAX) > 0) throw new SQLException(v + " does not fit in a Java long", "22003");
        if (d.stripTrailingZeros().scale() > 0) throw new SQLException(v + " has a fraction: an integer type cannot hold it; read it with getDouble", "22003");
        return d.longValue();
    }

    /** A stored value read by {@code parser}; 22018 naming {@code what} when it is not one. */
    static <T> T parsed(Object v, java.util.function.Function<String, T> parser, String what) throws SQLException {
        try {
            return parser.apply(v.toString().strip());
        } catch (RuntimeException e) {
            throw new SQLException("not " + what + ": " + v, "22018");
        }
    }

    /** {@code v} when it lies in [min, max]; else 22003, as a value the Java type cannot hold is no value at all. */
    static long within(long v, long min, long max, String type) throws SQLException {
        if (v < min || v > max) throw new SQLException(v + " does not fit in a Java " + type + ": read it with getLong", "22003");
        return v;
    }

    static double doubleValue(Object v) throws SQLException {
        if (v == null) return 0;
        if (v instanceof Number n) return n.doubleValue();
        try {
            return Double.parseDouble(v.toString().strip());
        } catch (NumberFormatException e) {
            throw new SQLException(shown(v) + " is not a number", "22018");
        }
    }

    static BigDecimal decimal(Object v) throws SQLException {
        if (v == null) return null;
        if (v instanceof Long l) return BigDecimal.valueOf(l);
        if (v instanceof Double d) return BigDecimal.valueOf(d);
        try {
            return new BigDecimal(v.toString().strip());
        } catch (NumberFormatException e) {
            throw new SQLException(shown(v) + " is not a number", "22018");
        }
    }

    /** A stored value in an error: text quoted (its spaces seen), a blob by its size. */
    private static String shown(Object v) {
        return v instanceof byte[] b ? "a blob of " + b.length + " bytes" : v instanceof String ? "'" + v + "'" : String.valueOf(v);
    }

    static byte[] bytes(Object v) {
        return v == null ? null : v instanceof byte[] b ? b : v.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A stored value as a time of day (ISO-8601 text, or the time of a date-time's text); 22007 when it is none. */
    static LocalTime time(Object v) throws SQLException {
        if (v == null) return null;
        String s = v.toString().strip();
        try {
            return s.length() <= 15 && !(v instanceof Number) ? LocalTime.parse(s) : dateTime(v).toLocalTime();
        } catch (java.time.format.DateTimeParseException e) {
            throw new SQLException("not a time of day: " + v, "22007");
        }
    }

    /**
     * A stored value as a date-time: ISO-8601 or SQLite's text (one with a zone offset moved to UTC, {@link
     * SqlTime#parse}), or (a number) milliseconds since the epoch.
     */
    static LocalDateTime dateTime(Object v) throws SQLException {
        if (v == null) return null;
        if (v instanceof Number n) return LocalDateTime.ofInstant(Instant.ofEpochMilli(n.longValue()), ZoneOffset.UTC);
        try {
            return SqlTime.parse(v.toString());
        } catch (java.time.format.DateTimeParseException e) {
            throw new SQLException("not a date-time: " + v, "22007");
        }
    }

    /** The JDBC type of a stored value (SQLite types values, not columns). */
    static int sqlType(Object v) {
        return switch (v) {
            case null -> Types.NULL;
            case Long l -> Types.BIGINT;
            case Double d -> Types.DOUBLE;
            case byte[] b -> Types.BLOB;
            default -> Types.VARCHAR;
        };
    }
}
