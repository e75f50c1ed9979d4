package io.cairn.edge.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * SQL values to and from JSON. Inbound, a JSON value becomes one of the parameter types Cairn's log
 * carries: {@code null}, {@link Boolean}, {@link Long} (exact 64-bit: a larger integer is refused, never
 * rounded), {@link Double}, {@link String} or {@code byte[]} (written {@code {"base64":"..."}}).
 * Outbound, the same types (plus Avro's {@code Utf8}/{@link ByteBuffer} and JDBC's {@link Integer})
 * become JSON, blobs again as {@code {"base64":"..."}}. Stateless and thread-safe.
 */
public final class JsonValues {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonValues() {}

    /** A JSON value that cannot be a SQL parameter; the message says why. */
    public static final class InvalidValue extends Exception {
        InvalidValue(String message) {
            super(message, null, false, false);
        }
    }

    /** The parameter value a JSON value stands for. */
    public static Object toParameter(JsonNode node) throws InvalidValue {
        if (node == null || node.isNull()) return null;
        if (node.isBoolean()) return node.booleanValue();
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong()) {
                throw new InvalidValue("integer " + node.asText() + " is outside SQLite's 64-bit range; send it as a string, and keep it in a column"
                        + " without numeric affinity (TEXT or BLOB): an INTEGER, REAL or NUMERIC column would turn it into a rounded REAL");
            }
            return node.longValue();
        }
        if (node.isNumber()) {
            double d = node.doubleValue();
            if (!Double.isFinite(d)) throw new InvalidValue("number " + node.asText() + " is out of range");
            return d;
        }
        if (node.isTextual()) return text(node.textValue());
        if (node.isObject() && node.size() == 1 && node.has("base64") && node.get("base64").isTextual()) {
            try {
                return Base64.getDecoder().decode(node.get("base64").textValue());
            } catch (IllegalArgumentException e) {
                throw new InvalidValue("blob is not valid base64");
            }
        }
        throw new InvalidValue("a parameter must be null, a boolean, a number, a string or {\"base64\":\"...\"}");
    }

    /**
     * A string parameter, refused when it holds an unpaired UTF-16 surrogate (a JSON string escape can write one):
     * it is not Unicode, and on its way to UTF-8 (the log, SQLite) it would silently become {@code ?}, storing
     * something other than what was sent. SQL text with one is refused for the same reason.
     */
    private static String text(String s) throws InvalidValue {
        int lone = io.cairn.tenantdb.sql.Utf16.unpairedSurrogateAt(s);
        if (lone >= 0) {
            throw new InvalidValue("string holds an unpaired UTF-16 surrogate at character " + lone
                    + " (not valid Unicode, it cannot be stored as sent); send valid text, or bytes as {\"base64\":\"...\"}");
        }
        return s;
    }

    /** The JSON for a SQL value as read from SQLite or carried in an outcome. */
    public static JsonNode toJson(Object value) {
        if (value == null) return NODES.nullNode();
        if (value instanceof Boolean b) return NODES.booleanNode(b);
        if (value instanceof Long l) return NODES.numberNode(l);
        if (value instanceof Integer i) return NODES.numberNode(i.longValue());
        if (value instanceof Double d) return Double.isFinite(d) ? NODES.numberNode(d) : NODES.nullNode();
        if (value instanceof Float f) return toJson(f.doubleValue());
        if (value instanceof CharSequence s) return NODES.textNode(s.toString());
        if (value instanceof byte[] bytes) return blob(bytes);
        if (value instanceof ByteBuffer buf) {
            ByteBuffer copy = buf.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return blob(bytes);
        }
        throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }

    /** Writes {@code value} as {@link #toJson} would render it, straight to a generator (no tree). */
    public static void write(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case Boolean b -> g.writeBoolean(b);
            case Long l -> g.writeNumber(l);
            case Integer i -> g.writeNumber(i.longValue());
            case Double d -> {
                if (Double.isFinite(d)) g.writeNumber(d);
                else g.writeNull();
            }
            case CharSequence cs -> g.writeString(cs.toString());
            case byte[] bytes -> {
                g.writeStartObject();
                g.writeStringField("base64", Base64.getEncoder().encodeToString(bytes));
                g.writeEndObject();
            }
            default -> g.writeTree(toJson(value));
        }
    }

    private static ObjectNode blob(byte[] bytes) {
        ObjectNode o = NODES.objectNode();
        o.put("base64", Base64.getEncoder().encodeToString(bytes));
        return o;
    }
}
