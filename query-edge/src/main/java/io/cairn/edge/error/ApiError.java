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

    public static ApiError invalidRequest(String message) {
        return new ApiError(ErrorCode.INVALID_REQUEST, message);
    }

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
