package io.cairn.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One SQL statement and its parameters: positional ({@code ?}, {@code ?NNN}) or named ({@code :x},
 * {@code @x}, {@code $x}). Values: {@code null}, {@link Boolean}, integers (exact 64-bit: {@link Long},
 * {@link Integer}, ..., and a {@link java.math.BigDecimal} without a fraction that fits), {@link Double}/{@link Float}
 * (and other {@link java.math.BigDecimal}s, as the nearest double), {@link String}, {@code byte[]} (a blob), and as
 * text a {@link java.util.UUID}, an enum's name, or a {@code java.time} date or time in ISO-8601 (which SQLite's date
 * functions read). Any other type is refused ({@link IllegalArgumentException}) when the statement is sent, never
 * sent as its {@code toString()}.
 */
public record Statement(String sql, List<Object> params, Map<String, Object> named) {
    public Statement {
        if (sql == null || sql.isBlank()) throw new IllegalArgumentException("a statement needs SQL");
        params = params == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(params));
        named = named == null ? Map.of() : Collections.unmodifiableMap(new java.util.LinkedHashMap<>(named));
    }

    /** A statement with positional parameters. */
    public static Statement of(String sql, Object... params) {
        return new Statement(sql, Arrays.asList(params), null);
    }

    /** A statement with named parameters (keys written {@code "x"} or {@code ":x"}). */
    public static Statement named(String sql, Map<String, ?> params) {
        return new Statement(sql, null, new java.util.LinkedHashMap<String, Object>(params)); // a null value binds NULL
    }
}
