package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cairn.topics.ErrorCode;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a person reads when SQLite refuses a statement: SQLite's own sentence, said more plainly where it says little. */
class SqliteErrorsTest {
    @TempDir Path dir;

    @Test
    void aConstraintFailureIsSqlitesOwnSentence() throws Exception {
        SQLException e = fail("CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)");
        assertThat(SqliteErrors.code(e)).isEqualTo(ErrorCode.SQL_ERROR);
        assertThat(SqliteErrors.message(e)).isEqualTo("UNIQUE constraint failed: t.id");
    }

    @Test
    void aStatementNestedPastTheParsersStackSaysWhatToChange() throws Exception {
        SQLException e = fail("SELECT " + "(".repeat(5_000) + "1" + ")".repeat(5_000));
        assertThat(SqliteErrors.code(e)).isEqualTo(ErrorCode.SQL_ERROR);
        assertThat(SqliteErrors.message(e)).startsWith("Recursion limit").contains("nests too deeply").contains("flatten");
    }

    /** Runs the statements on a new tenant file; the last must fail, and its failure is returned. */
    private SQLException fail(String... statements) throws Exception {
        try (TenantConnection c = SqliteConnections.openWritable("t", dir.resolve("t.db"), SqliteLimits.WRITE_DEFAULTS);
                Statement s = c.connection().createStatement()) {
            for (int i = 0; i < statements.length - 1; i++) s.execute(statements[i]);
            return catchThrowableOfType(SQLException.class, () -> s.execute(statements[statements.length - 1]));
        }
    }
}
