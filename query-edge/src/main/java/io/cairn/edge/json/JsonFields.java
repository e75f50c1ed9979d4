package io.cairn.edge.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses a field a request does not take. A misspelled field ignored in silence changes what the request
 * does without a word: {@code "if_unchaged_since"} makes a conditional write unconditional, {@code "dry_rn"}
 * runs a migration for real, {@code "consistancy"} reads weaker than asked. So every JSON object a route
 * reads names its fields, and any other is {@code invalid_request} naming it and the ones the request takes.
 * A field given as JSON {@code null} is refused the same way: an unset variable in the client's code sends
 * {@code "if_unchanged_since": null} or {@code "dry_run": null}, and taking that for "left out" would make
 * the write unconditional, or the dry run real, just as silently.
 */
public final class JsonFields {
    private JsonFields() {}

    /**
     * Throws {@code invalid_request} (with {@code "field"}) when {@code object} has a field outside {@code known},
     * or one whose value is {@code null}.
     *
     * @param where how the message names the object's fields ("" for the body, "statements[2]." for an element)
     */
    public static void only(JsonNode object, String where, Set<String> known) {
        only(object, where, known, Set.of());
    }

    /** As {@link #only(JsonNode, String, Set)}, where the fields in {@code nullable} may be null (a null there means something). */
    public static void only(JsonNode object, String where, Set<String> known, Set<String> nullable) {
        for (var names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw refused(where + name, "unknown field \"" + where + name + "\"; " + (where.isEmpty() ? "this request" : where
                        .substring(0, where.length() - 1)) + " takes " + String.join(", ", new TreeSet<>(known)));
            }
            if (object.get(name).isNull() && !nullable.contains(name)) {
                throw refused(where + name, "\"" + where + name + "\" is null: leave the field out, or give it a value");
            }
        }
    }

    private static ApiError refused(String field, String message) {
        return new ApiError(ErrorCode.INVALID_REQUEST, message, null, Map.of("field", field));
    }
}
