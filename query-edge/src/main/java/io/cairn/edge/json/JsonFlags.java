package io.cairn.edge.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.error.ApiError;

/**
 * Yes/no fields of request bodies. Only JSON {@code true} and {@code false} (or the field left out, or
 * {@code null}: no) are taken: Jackson's lenient reading would take the string {@code "true"} for yes and
 * {@code "yes"} for no, so a {@code "dry_run": "yes"} started a real migration run. Stateless.
 */
public final class JsonFlags {
    private JsonFlags() {}

    /** The flag {@code value} (absent or null: false); 400 {@code invalid_request} naming {@code where} for anything but a boolean. */
    public static boolean flag(JsonNode value, String where) {
        if (value == null || value.isNull() || value.isMissingNode()) return false;
        if (!value.isBoolean()) throw ApiError.invalidRequest("\"" + where + "\" must be true or false");
        return value.booleanValue();
    }
}
