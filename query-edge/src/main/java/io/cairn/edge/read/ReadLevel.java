package io.cairn.edge.read;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.error.ApiError;

/**
 * The consistency a read asks for ({@code "consistency"} and {@code "max_lag_ms"} on {@code /query}; see
 * docs/replicas.md).
 *
 * @param level what the copy read must have applied
 * @param maxLagMs for {@link Level#EVENTUAL}: how far behind the log, in ms, the copy may be; null for any
 */
public record ReadLevel(Level level, Long maxLagMs) {
    /** The longest {@code max_lag_ms} accepted: an hour. */
    public static final long MAX_LAG_LIMIT_MS = 3_600_000;

    public enum Level {
        /** Everything the tenant's partition held when the request arrived: a linearizable read. */
        STRONG,
        /** At least the request's bookmark (read-your-writes); without one, as {@link #EVENTUAL}. */
        SESSION,
        /** Whatever the copy has, within {@code max_lag_ms} when given. */
        EVENTUAL
    }

    /**
     * The level of a request: {@code consistency} ({@code "strong"}, {@code "session"}, {@code "eventual"};
     * absent: session with a bookmark, else eventual) and {@code max_lag_ms} (only with eventual).
     * Throws 400 {@code invalid_request} for anything else.
     */
    public static ReadLevel parse(JsonNode consistency, JsonNode maxLag, boolean hasBookmark) {
        Level level;
        if (consistency == null || consistency.isNull()) {
            level = hasBookmark ? Level.SESSION : Level.EVENTUAL;
        } else {
            level = switch (consistency.isTextual() ? consistency.textValue() : "") {
                case "strong" -> Level.STRONG;
                case "session" -> Level.SESSION;
                case "eventual" -> Level.EVENTUAL;
                default -> throw ApiError.invalidRequest("\"consistency\" must be \"strong\", \"session\" or \"eventual\"");
            };
        }
        if (maxLag == null || maxLag.isNull()) return new ReadLevel(level, null);
        if (level != Level.EVENTUAL) {
            throw ApiError.invalidRequest("\"max_lag_ms\" bounds an eventual read: send it with \"consistency\": \"eventual\"");
        }
        if (!maxLag.isIntegralNumber() || !maxLag.canConvertToLong() || maxLag.longValue() < 0 || maxLag.longValue() > MAX_LAG_LIMIT_MS) {
            throw ApiError.invalidRequest("\"max_lag_ms\" must be an integer from 0 to " + MAX_LAG_LIMIT_MS);
        }
        return new ReadLevel(level, maxLag.longValue());
    }
}
