package io.cairn.edge.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.error.ApiError;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses a field a request does not take. A misspelled field ignored in silence changes what the request
 * does without a word: {@code "if_unchaged_since"} makes a conditional write unconditional, {@code "dry_rn"}
 * runs a migration for real, {@code "consistancy"} reads weaker than asked. So every JSON object a route
 * reads names its fields, and any other is {@code invalid_request} naming it and the ones the request takes.
 */
public final class JsonFields {
    private JsonFields() {}

    /**
     * Throws {@code invalid_request} when {@code object} has a field outside {@code known}.
     *
     * @param where how the message names the object's fields ("" for the body, "statements[2]." for an element)
     */
    public static void only(JsonNode object, String where, Set<String> known) {
        for (var names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (known.contains(name)) continue;
            throw ApiError.invalidRequest("unknown field \"" + where + name + "\"; " + (where.isEmpty() ? "this request" : where
                    .substring(0, where.length() - 1)) + " takes " + String.join(", ", new TreeSet<>(known)));
        }
    }
}
