package io.cairn.edge.error;

import io.cairn.topics.ErrorCode;
import java.util.Map;

/**
 * A request that ends in an HTTP error: an {@link ErrorCode} (which decides the status) and a message
 * for the person who sent the request, which must never name another tenant or reveal internals.
 * {@code statement} is the index of the failing statement, when one failed; {@code extra} adds fields
 * to the error object (e.g. the bookmark of a timed-out write): a string, or a number written as a JSON number.
 */
public final class ApiError extends RuntimeException {
    private final ErrorCode code;
    private final Integer statement;
    private final Map<String, Object> extra;

    public ApiError(ErrorCode code, String message, Integer statement, Map<String, ?> extra) {
        super(message, null, false, false);
        this.code = code;
        this.statement = statement;
        this.extra = Map.copyOf(extra);
    }

    public ApiError(ErrorCode code, String message) {
        this(code, message, null, Map.of());
    }

    /**
     * 400 {@code invalid_request}; a message that begins with a field's or parameter's name in quotes ({@code "timeout_ms"
     * must be ...}) names it in {@code "field"} too, as refusals of body fields do, so a client finds the field the
     * same way whichever check refused it.
     */
    public static ApiError invalidRequest(String message) {
        java.util.regex.Matcher named = NAMED_FIRST.matcher(message);
        return new ApiError(ErrorCode.INVALID_REQUEST, message, null, named.lookingAt() ? Map.of("field", named.group(1)) : Map.of());
    }

    private static final java.util.regex.Pattern NAMED_FIRST = java.util.regex.Pattern.compile("\"([A-Za-z_][A-Za-z0-9_.\\-\\[\\]]*)\"");

    public static ApiError tenantNotFound() {
        return new ApiError(ErrorCode.TENANT_NOT_FOUND, "no such tenant");
    }

    public static ApiError unavailable(String message) {
        return new ApiError(ErrorCode.UNAVAILABLE, message);
    }

    public int status() {
        return code.status();
    }

    public ErrorCode code() {
        return code;
    }

    public Integer statement() {
        return statement;
    }

    public Map<String, Object> extra() {
        return extra;
    }
}
