package io.cairn.connectors.sql;

/**
 * A statement Cairn will not run, with a stable code for the HTTP error body and a message a person
 * can act on. Codes: {@code forbidden_statement}, {@code multiple_statements}, {@code empty_statement},
 * {@code transaction_control}, {@code reserved_name}, {@code nondeterministic}, {@code invalid_params},
 * {@code sql_error} (text that cannot be tokenized, e.g. an unterminated string).
 */
public final class SqlRefusal extends Exception {
    private final String code;

    public SqlRefusal(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
