package io.cairn.edge.json;

import java.util.List;
import java.util.Map;

/**
 * One statement as a client sent it: the SQL text exactly as written and its parameters, already
 * converted by {@link JsonValues} (values are null, Boolean, Long, Double, String or byte[]).
 * Named parameter keys are kept as written (":x" or "x"); the binder resolves both.
 */
public record StatementSpec(String sql, List<Object> positional, Map<String, Object> named) {
    public StatementSpec {
        positional = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(positional));
        named = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(named));
    }
}
