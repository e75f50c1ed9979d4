package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.ErrorCode;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A write's verdict is SQLite's answer to its statements, the same on every copy and replay. The driver's complaints about
 * its own state are not: an outside probe had 134 writes answered {@code sql_error} ("statement is not executing", a
 * statement the driver had closed), which the tenant's rebuild from the log then applied.
 */
class VerdictTest {
    @Test
    void sqliteRefusingAStatementIsItsVerdict() throws Exception {
        assertThat(BatchExecutor.verdict(null, new SQLiteException("UNIQUE constraint failed: t.id", SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE), false))
                .isEqualTo(ErrorCode.SQL_ERROR);
        assertThat(BatchExecutor.verdict(null, new SQLiteException("interrupted", SQLiteErrorCode.SQLITE_INTERRUPT), false))
                .isEqualTo(ErrorCode.STATEMENT_TIMEOUT);
    }

    @Test
    void theDriverComplainingAboutItsOwnStateIsNoVerdict() {
        SQLException closed = new SQLException("statement is not executing");
        assertThatThrownBy(() -> BatchExecutor.verdict(null, closed, false)).isSameAs(closed);
        assertThat(FailureRecovery.classify(new FailureRecovery.ApplyFailed(null, "acme", closed).getCause()))
                .as("retried on a connection made afresh, then quarantined: never an answer a replay contradicts")
                .isEqualTo(FailureRecovery.Kind.UNKNOWN);
    }
}
