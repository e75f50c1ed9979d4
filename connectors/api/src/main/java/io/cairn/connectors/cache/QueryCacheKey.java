package io.cairn.connectors.cache;

import io.cairn.topics.Bookmark;
import io.cairn.topics.Sha256;
import io.cairn.topics.TenantId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a cached result depends on: the tenant, the position its copy had applied (partition and
 * offset: a tenant moved to another partition must not meet its old offsets), and the SHA-256 of the
 * exact statement text and parameter values.
 *
 * <p>The digest never normalises the SQL (whitespace, case, comments all count): two texts that
 * differ are different keys, even if they would return the same rows. Each part is length-prefixed
 * and each value tagged with its type, so {@code ("ab","c")} and {@code ("a","bc")}, or {@code 1} and
 * {@code 1.0} and {@code "1"}, never share a digest. Named parameters are ordered by name, since
 * binding by name does not depend on map order.
 */
public record QueryCacheKey(String tenant, Bookmark position, String statementSha256) {

    public QueryCacheKey {
        TenantId.require(tenant);
        Objects.requireNonNull(position, "position");
        if (statementSha256 == null || !statementSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("statementSha256 must be 64 lower-case hex digits");
        }
    }

    /**
     * The key of {@code sql} with its parameters, read at {@code position}. Parameter values may be
     * null, Boolean, Integer, Long, Double, String or byte[] (what the statement binder accepts).
     */
    public static QueryCacheKey of(String tenant, Bookmark position, String sql, List<?> positional, Map<String, ?> named) {
        return new QueryCacheKey(tenant, position, digest(sql, positional, named));
    }

    /** {@code tenant:partition:offset:sha256}; tenant ids hold no ':' so this is unambiguous. */
    public String asString() {
        return tenant + ":" + position.partition() + ":" + position.offset() + ":" + statementSha256;
    }

    static String digest(String sql, List<?> positional, Map<String, ?> named) {
        Objects.requireNonNull(sql, "sql");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + sql.length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            // The version of what an entry holds: v2 entries start with CacheSeal's tag byte, so v1 entries must never be found.
            out.writeUTF("cairn-query-v2");
            text(out, sql);
            List<?> pos = positional == null ? List.of() : positional;
            out.writeInt(pos.size());
            for (Object value : pos) value(out, value);
            Map<String, ?> byName = named == null ? Map.of() : new TreeMap<>(named);
            out.writeInt(byName.size());
            for (Map.Entry<String, ?> e : byName.entrySet()) {
                text(out, e.getKey());
                value(out, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Sha256.hex(bytes.toByteArray());
    }

    private static void value(DataOutputStream out, Object value) throws IOException {
        switch (value) {
            case null -> out.writeByte('N');
            case Boolean b -> {
                out.writeByte('Z');
                out.writeBoolean(b);
            }
            // Integer and Long bind identically (setLong), so sharing a tag merges nothing distinct.
            case Integer i -> {
                out.writeByte('I');
                out.writeLong(i);
            }
            case Long l -> {
                out.writeByte('I');
                out.writeLong(l);
            }
            case Double d -> {
                out.writeByte('R');
                out.writeLong(Double.doubleToRawLongBits(d));
            }
            case String s -> {
                out.writeByte('T');
                text(out, s);
            }
            case byte[] b -> {
                out.writeByte('B');
                out.writeInt(b.length);
                out.write(b);
            }
            default -> throw new IllegalArgumentException("cannot key a parameter of type " + value.getClass().getSimpleName());
        }
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
