package io.cairn.tenantdb.sql;

import io.cairn.topics.ErrorCode;

/**
 * A statement Cairn will not run, with its {@link ErrorCode} and a message a person can act on. Codes:
 * {@code forbidden_statement}, {@code multiple_statements}, {@code empty_statement},
 * {@code transaction_control}, {@code reserved_name}, {@code nondeterministic}, {@code invalid_params},
 * {@code sql_error} (text that cannot be tokenized, e.g. an unterminated string).
 */
public final class SqlRefusal extends Exception {
    private final ErrorCode code;

    public SqlRefusal(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
