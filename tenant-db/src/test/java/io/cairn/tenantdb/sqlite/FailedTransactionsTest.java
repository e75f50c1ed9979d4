package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transaction SQLite rolled back itself (a full database) ends with its cause thrown, and the connection works on. */
class FailedTransactionsTest {
    @TempDir Path dir;

    @Test
    void aTransactionSqliteRolledBackItselfKeepsItsCauseAndLeavesTheConnectionInAutoCommit() throws Exception {
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("f.db"))) {
            try (Statement s = conn.createStatement()) {
                s.execute("CREATE TABLE t (x BLOB)");
                s.execute("PRAGMA max_page_count = 8"); // full at 32 KiB: what a full volume does, without one
            }
            conn.setAutoCommit(false);
            SQLException full;
            try (Statement s = conn.createStatement()) {
                full = org.assertj.core.api.Assertions.catchThrowableOfType(SQLException.class,
                        () -> s.execute("INSERT INTO t VALUES (randomblob(100000))"));
            }
            assertThat(full.getMessage()).contains("SQLITE_FULL");
            FailedTransactions.end(conn, full);
            assertThat(full.getSuppressed()).as("the transaction was gone: SQLite's complaint is kept beside the cause")
                    .anySatisfy(t -> assertThat(t.getMessage()).contains("no transaction is active"));
            assertThat(conn.getAutoCommit()).isTrue();

            conn.setAutoCommit(false);
            try (Statement s = conn.createStatement()) {
                s.execute("INSERT INTO t VALUES (randomblob(10))");
            }
            conn.commit();
            conn.setAutoCommit(true);
            try (Statement s = conn.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM t")) {
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            assertThatThrownBy(conn::rollback).as("in auto-commit again").isInstanceOf(SQLException.class);
        }
    }
}
