package io.cairn.client.jdbc;

import io.cairn.client.CairnException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;

/** Cairn's error codes as the {@link SQLException}s (and SQLStates) JDBC callers and frameworks expect. */
final class SqlStates {
    private SqlStates() {}

    static SQLException of(CairnException e) {
        String m = e.getMessage();
        return switch (e.code()) {
            case "conflict" -> new SQLTransactionRollbackException(m + " (the transaction's reads are stale: run it again)", "40001", 409, e);
            case "unauthorized", "forbidden" -> new SQLInvalidAuthorizationSpecException(m, "28000", e.status(), e);
            case "unreachable", "unavailable", "storage_full", "tenant_recovering", "too_many_requests", "replica_lagging", "standby_read_only" ->
                    new SQLTransientConnectionException(m, "08001", e.status(), e);
            case "tenant_not_found" -> new SQLNonTransientConnectionException(m, "08001", e.status(), e);
            case "statement_timeout", "write_timeout", "bookmark_timeout", "request_timeout" -> new SQLTimeoutException(m, "HYT00", e.status(), e);
            case "sql_error" -> e.sqliteCode().map(c -> c.startsWith("SQLITE_CONSTRAINT")).orElse(m.contains("constraint failed"))
                    ? new SQLIntegrityConstraintViolationException(m, "23000", e.status(), e)
                    : new SQLSyntaxErrorException(m, "42000", e.status(), e);
            case "read_only", "forbidden_statement", "transaction_control", "multiple_statements", "empty_statement", "reserved_name",
                    "nondeterministic" -> new SQLSyntaxErrorException(m, "42000", e.status(), e);
            case "invalid_params" -> new SQLException(m, "07001", e.status(), e); // wrong number or kind of parameters
            case "value_too_large" -> new java.sql.SQLDataException(m, "22001", e.status(), e); // data too long
            case "result_too_large", "write_too_large", "quota_exceeded" -> new SQLException(m, "54000", e.status(), e); // a limit exceeded
            default -> new SQLException(m, "HY000", e.status(), e);
        };
    }
}
