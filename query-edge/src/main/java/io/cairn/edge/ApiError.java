package io.cairn.edge;

import java.util.Map;

/**
 * A request that ends in an HTTP error with a stable code: the edge's error taxonomy. Client errors
 * (4xx) carry a message for the person who sent the request; it must never name another tenant or
 * reveal internals. {@code statement} is the index of the failing statement, when one failed;
 * {@code extra} adds fields to the error object (e.g. the bookmark of a timed-out write).
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final Integer statement;
    private final Map<String, String> extra;

    public ApiError(int status, String code, String message, Integer statement, Map<String, String> extra) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.statement = statement;
        this.extra = Map.copyOf(extra);
    }

    public ApiError(int status, String code, String message) {
        this(status, code, message, null, Map.of());
    }

    public static ApiError badRequest(String code, String message) {
        return new ApiError(400, code, message);
    }

    public static ApiError invalidRequest(String message) {
        return new ApiError(400, "invalid_request", message);
    }

    public static ApiError tenantNotFound() {
        return new ApiError(404, "tenant_not_found", "no such tenant");
    }

    public static ApiError unavailable(String message) {
        return new ApiError(503, "unavailable", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Integer statement() {
        return statement;
    }

    public Map<String, String> extra() {
        return extra;
    }
}
