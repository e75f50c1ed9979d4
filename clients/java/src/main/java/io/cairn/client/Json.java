package io.cairn.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** SQL values to and from the API's JSON: integers exact, blobs as {@code {"base64": "..."}}. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {}

    static JsonNode value(Object v) {
        return switch (v) {
            case null -> NODES.nullNode();
            case Boolean b -> NODES.booleanNode(b);
            case Long l -> NODES.numberNode(l);
            case Integer i -> NODES.numberNode(i.longValue());
            case Short s -> NODES.numberNode(s.longValue());
            case Byte b -> NODES.numberNode(b.longValue());
            case BigInteger b -> NODES.numberNode(b);
            case Double d -> NODES.numberNode(finite(d, d));
            case Float f -> NODES.numberNode(finite(f.doubleValue(), f));
            // Without a fraction, exact (past 64 bits the server refuses it, as a BigInteger); with one, the nearest double.
            case BigDecimal d -> d.scale() <= 0 ? NODES.numberNode(d.toBigIntegerExact()) : NODES.numberNode(finite(d.doubleValue(), d));
            case byte[] bytes -> NODES.objectNode().put("base64", Base64.getEncoder().encodeToString(bytes));
            case CharSequence s -> NODES.textNode(s.toString());
            case Character c -> NODES.textNode(c.toString());
            case java.util.UUID u -> NODES.textNode(u.toString());
            case Enum<?> e -> NODES.textNode(e.name());
            case java.time.LocalDate d -> NODES.textNode(d.toString());
            case java.time.LocalTime t -> NODES.textNode(SqlTime.text(t));
            case java.time.LocalDateTime t -> NODES.textNode(SqlTime.text(t));
            case java.time.Instant i -> NODES.textNode(SqlTime.text(i));
            case java.time.OffsetDateTime o -> NODES.textNode(SqlTime.text(o));
            default -> throw new IllegalArgumentException("parameters of type " + v.getClass().getName() + " are not supported: send a"
                    + " number, a string, a boolean, byte[], null, a UUID, an enum or a java.time date or time");
        };
    }

    /**
     * {@code d} when it is finite. JSON has no NaN or infinity: Jackson would write them as the strings "NaN" and
     * "Infinity", stored as TEXT where a number was meant, and the API refuses non-finite numbers sent raw.
     */
    static double finite(double d, Object shown) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("parameter " + shown + " is not a finite number: the API refuses non-finite numbers"
                    + " (NaN, Infinity); send null or a finite value");
        }
        return d;
    }

    static Object value(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isBoolean()) return n.booleanValue();
        if (n.isIntegralNumber()) return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
        if (n.isNumber()) return n.doubleValue();
        if (n.isTextual()) return n.textValue();
        if (n.isObject() && n.has("base64")) return Base64.getDecoder().decode(n.get("base64").textValue());
        return n.toString();
    }

    static ObjectNode statement(Statement s) {
        ObjectNode o = NODES.objectNode().put("sql", s.sql());
        if (!s.named().isEmpty()) {
            ObjectNode named = o.putObject("params");
            for (Map.Entry<String, Object> e : s.named().entrySet()) named.set(e.getKey(), value(e.getValue()));
        } else if (!s.params().isEmpty()) {
            ArrayNode params = o.putArray("params");
            for (Object v : s.params()) params.add(value(v));
        }
        return o;
    }

    static List<List<Object>> rows(JsonNode rows) {
        List<List<Object>> out = new ArrayList<>(rows.size());
        for (JsonNode r : rows) {
            List<Object> row = new ArrayList<>(r.size());
            for (JsonNode v : r) row.add(value(v));
            out.add(row);
        }
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>(array.size());
        for (JsonNode v : array) out.add(v.asText());
        return out;
    }
}
