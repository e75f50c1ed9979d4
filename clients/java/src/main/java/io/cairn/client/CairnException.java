package io.cairn.client;

import java.time.Duration;
import java.util.Optional;

/**
 * An error Cairn answered (or that kept a request from being answered), with its stable code from the API's
 * error table ({@code docs/api.md}): {@code sql_error}, {@code forbidden}, {@code conflict}, ...
 * {@link #retriable()} says whether sending the same request again later may succeed and cannot do harm.
 */
public class CairnException extends RuntimeException {
    private final int status;
    private final String code;
    private final Integer statement;
    private final String bookmark;
    private final Duration retryAfter;
    private final String sqliteCode;

    public CairnException(int status, String code, String message, Integer statement, String bookmark) {
        this(status, code, message, statement, bookmark, null);
    }

    /** With the answer's Retry-After ({@code null}: none). */
    public CairnException(int status, String code, String message, Integer statement, String bookmark, Duration retryAfter) {
        this(status, code, message, statement, bookmark, retryAfter, null);
    }

    /** With the {@code sqlite_code} of a {@code sql_error} SQLite raised ({@code null}: none). */
    public CairnException(int status, String code, String message, Integer statement, String bookmark, Duration retryAfter, String sqliteCode) {
        super(code + ": " + message);
        this.status = status;
        this.code = code;
        this.statement = statement;
        this.bookmark = bookmark;
        this.retryAfter = retryAfter;
        this.sqliteCode = sqliteCode;
    }

    /** The HTTP status, or 0 when no answer arrived (the connection failed). */
    public int status() {
        return status;
    }

    /** The stable error code, e.g. {@code sql_error}; {@code unreachable} when no answer arrived. */
    public String code() {
        return code;
    }

    /** The index of the statement of a batch that failed, when one did. */
    public Integer statement() {
        return statement;
    }

    /**
     * For a {@code sql_error} SQLite itself raised, its extended result code by name: {@code SQLITE_CONSTRAINT_UNIQUE} for a
     * duplicate key, {@code SQLITE_CONSTRAINT_NOTNULL}, {@code SQLITE_ERROR} for a typo or a missing table, ... Empty otherwise.
     */
    public Optional<String> sqliteCode() {
        return Optional.ofNullable(sqliteCode);
    }

    /** A bookmark the error names (a conflict's: where to read again from; a write timeout's: the write's). */
    public String bookmark() {
        return bookmark;
    }

    /**
     * How long the server asked to wait before trying again (its {@code Retry-After}, in seconds), when it said:
     * every retriable answer carries one (docs/api.md). Empty for an unanswered request.
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** True for 429 and 503 answers and unanswered requests: the same request may succeed later. */
    public boolean retriable() {
        return status == 0 || status == 429 || status == 503 || code.equals("bookmark_timeout");
    }

    static CairnException of(int status, String code, String message, Integer statement, String bookmark, Duration retryAfter, String sqliteCode) {
        return code.equals("conflict") ? new ConflictException(message, bookmark)
                : new CairnException(status, code, message, statement, bookmark, retryAfter, sqliteCode);
    }
}
