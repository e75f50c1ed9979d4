package io.cairn.client;

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

    public CairnException(int status, String code, String message, Integer statement, String bookmark) {
        super(code + ": " + message);
        this.status = status;
        this.code = code;
        this.statement = statement;
        this.bookmark = bookmark;
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

    /** A bookmark the error names (a conflict's: where to read again from; a write timeout's: the write's). */
    public String bookmark() {
        return bookmark;
    }

    /** True for 429 and 503 answers and unanswered requests: the same request may succeed later. */
    public boolean retriable() {
        return status == 0 || status == 429 || status == 503 || code.equals("bookmark_timeout");
    }

    static CairnException of(int status, String code, String message, Integer statement, String bookmark) {
        return code.equals("conflict") ? new ConflictException(message, bookmark) : new CairnException(status, code, message, statement, bookmark);
    }
}
