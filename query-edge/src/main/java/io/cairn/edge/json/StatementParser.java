package io.cairn.edge.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads statements out of a request body: {@code {"statements":[{"sql","params"},...]}} or the
 * shorthand {@code {"sql","params"}}. Shape errors become {@code invalid_request} naming the field;
 * bad values become {@code invalid_params} with the statement's index.
 */
public final class StatementParser {
    /** The fields of one statement. */
    private static final java.util.Set<String> STATEMENT_FIELDS = java.util.Set.of("sql", "params");

    private StatementParser() {}

    /** The batch of an execute request, at most {@code maxStatements} long. */
    public static List<StatementSpec> batch(JsonNode body, int maxStatements) {
        JsonNode list = body.get("statements");
        if (list == null) return List.of(statement(body, 0, ""));
        if (body.has("sql")) throw ApiError.invalidRequest("send either \"sql\" or \"statements\", not both");
        if (!list.isArray()) throw ApiError.invalidRequest("\"statements\" must be an array");
        if (list.isEmpty()) throw ApiError.invalidRequest("\"statements\" must not be empty");
        if (list.size() > maxStatements) {
            throw new ApiError(ErrorCode.BATCH_TOO_LARGE,
                    "a batch may hold at most " + maxStatements + " statements; this one has " + list.size());
        }
        List<StatementSpec> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode st = list.get(i);
            if (!st.isObject()) throw ApiError.invalidRequest("\"statements[" + i + "]\" must be an object");
            JsonFields.only(st, "statements[" + i + "].", STATEMENT_FIELDS);
            out.add(statement(st, i, "statements[" + i + "]."));
        }
        return out;
    }

    /** One statement: {@code sql} (required string) and {@code params} (optional array or object). */
    public static StatementSpec statement(JsonNode node, int index, String fieldPrefix) {
        JsonNode sql = node.get("sql");
        if (sql == null || sql.isNull()) throw ApiError.invalidRequest("\"" + fieldPrefix + "sql\" is required");
        if (!sql.isTextual()) throw ApiError.invalidRequest("\"" + fieldPrefix + "sql\" must be a string");
        JsonNode params = node.get("params");
        List<Object> positional = new ArrayList<>();
        Map<String, Object> named = new LinkedHashMap<>();
        try {
            if (params == null || params.isNull()) {
                // no parameters
            } else if (params.isArray()) {
                for (JsonNode p : params) positional.add(JsonValues.toParameter(p));
            } else if (params.isObject()) {
                for (Map.Entry<String, JsonNode> e : params.properties()) named.put(e.getKey(), JsonValues.toParameter(e.getValue()));
            } else {
                throw ApiError.invalidRequest("\"" + fieldPrefix + "params\" must be an array (positional) or an object (named)");
            }
        } catch (JsonValues.InvalidValue e) {
            throw new ApiError(ErrorCode.INVALID_PARAMS, e.getMessage(), index, Map.of());
        }
        return new StatementSpec(sql.textValue(), positional, named);
    }
}
