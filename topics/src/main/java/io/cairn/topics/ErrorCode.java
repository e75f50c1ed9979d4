package io.cairn.topics;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every error Cairn can report, once: the stable wire name clients match on, the HTTP status it is
 * answered with, and whether the same request may simply be retried. The edge answers with these; the
 * applier records them in a failed command's outcome on {@code cairn.tenant-results} (as the wire name,
 * so an outcome stays readable by any version). {@code docs/api.md} lists them all; a test keeps the
 * two equal.
 *
 * <p>Retriable means: sending the same request again later may succeed and cannot do harm. A
 * {@link #WRITE_TIMEOUT} is not retriable: the write is in the log and will apply; retry it only with
 * the same {@code Idempotency-Key}.
 */
public enum ErrorCode {
    // The request itself
    INVALID_JSON(400, "invalid_json"),
    INVALID_REQUEST(400, "invalid_request"),
    INVALID_TENANT(400, "invalid_tenant"),
    INVALID_PARAMS(400, "invalid_params"),
    INVALID_BOOKMARK(400, "invalid_bookmark"),
    RESTORE_OUT_OF_RANGE(400, "restore_out_of_range"),
    INVALID_IMPORT(400, "invalid_import"),
    BATCH_TOO_LARGE(400, "batch_too_large"),
    STATEMENT_TOO_LONG(400, "statement_too_long"),
    REQUEST_TOO_LARGE(413, "request_too_large"),
    REQUEST_TIMEOUT(408, "request_timeout"),
    URI_TOO_LONG(414, "uri_too_long"),
    HEADERS_TOO_LARGE(431, "headers_too_large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
    // SQL and the policy
    SQL_ERROR(400, "sql_error"),
    READ_ONLY(400, "read_only"),
    FORBIDDEN_STATEMENT(400, "forbidden_statement"),
    TRANSACTION_CONTROL(400, "transaction_control"),
    MULTIPLE_STATEMENTS(400, "multiple_statements"),
    EMPTY_STATEMENT(400, "empty_statement"),
    RESERVED_NAME(400, "reserved_name"),
    NONDETERMINISTIC(400, "nondeterministic"),
    // Limits a tenant's work runs into
    RESULT_TOO_LARGE(400, "result_too_large"),
    STATEMENT_TIMEOUT(400, "statement_timeout"),
    VALUE_TOO_LARGE(400, "value_too_large"),
    WRITE_TOO_LARGE(400, "write_too_large"),
    QUOTA_EXCEEDED(400, "quota_exceeded"),
    // Who may do what
    UNAUTHORIZED(401, "unauthorized"),
    FORBIDDEN(403, "forbidden"),
    // What exists
    TENANT_NOT_FOUND(404, "tenant_not_found"),
    KEY_NOT_FOUND(404, "key_not_found"),
    TENANT_ERASED(410, "tenant_erased"),
    NOT_FOUND(404, "not_found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    TENANT_EXISTS(409, "tenant_exists"),
    CONFLICT(409, "conflict"),
    KEY_EXISTS(409, "key_exists"),
    VERSION_CONFLICT(409, "version_conflict"),
    VERSION_GAP(409, "version_gap"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency_key_reused"),
    TOO_MANY_REQUESTS(429, "too_many_requests", true),
    // Cairn's side
    INTERNAL(500, "internal"),
    NOT_SUPPORTED(501, "not_supported"),
    UNAVAILABLE(503, "unavailable", true),
    STORAGE_FULL(503, "storage_full", true),
    TENANT_RECOVERING(503, "tenant_recovering", true),
    REPLICA_LAGGING(503, "replica_lagging", true),
    STANDBY_READ_ONLY(503, "standby_read_only", true),
    WRITE_TIMEOUT(504, "write_timeout"),
    BOOKMARK_TIMEOUT(504, "bookmark_timeout", true);

    private static final Map<String, ErrorCode> BY_WIRE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(ErrorCode::wire, Function.identity()));
    /** Wire names older versions wrote (outcomes kept for idempotency keys may still carry them). */
    private static final Map<String, ErrorCode> LEGACY = Map.of("too_big", VALUE_TOO_LARGE);

    private final int status;
    private final String wire;
    private final boolean retriable;

    ErrorCode(int status, String wire) {
        this(status, wire, false);
    }

    ErrorCode(int status, String wire, boolean retriable) {
        this.status = status;
        this.wire = wire;
        this.retriable = retriable;
    }

    /** The HTTP status this error is answered with. */
    public int status() {
        return status;
    }

    /** The stable name in the error body's {@code code} and in a failed outcome. */
    public String wire() {
        return wire;
    }

    /** True when the same request, sent again later, may succeed and cannot do harm. */
    public boolean retriable() {
        return retriable;
    }

    /** True for errors the client caused (4xx): they apply nothing and retrying the same request fails the same way. */
    public boolean clientError() {
        return status >= 400 && status < 500;
    }

    /** The code with this wire name, if any (an outcome written by a newer applier may carry one this edge does not know). */
    public static Optional<ErrorCode> fromWire(String wire) {
        ErrorCode code = BY_WIRE.get(wire);
        return Optional.ofNullable(code != null ? code : LEGACY.get(wire));
    }

    @Override
    public String toString() {
        return wire;
    }
}
