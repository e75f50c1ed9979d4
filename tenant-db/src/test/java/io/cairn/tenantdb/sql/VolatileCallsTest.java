package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VolatileCallsTest {
    private Connection conn;

    @BeforeEach
    void schema() throws SQLException {
        conn = DriverManager.getConnection("jdbc:sqlite::memory:");
        try (Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT, body TEXT)");
            s.execute("CREATE VIEW recent AS SELECT id FROM t WHERE ts > datetime('now', '-1 hour')");
            s.execute("CREATE VIEW shuffled AS SELECT id FROM t ORDER BY random()");
            s.execute("CREATE VIEW plain AS SELECT id, upper(body) AS b FROM t");
        }
    }

    @AfterEach
    void close() throws SQLException {
        conn.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT datetime('now')", "SELECT CURRENT_TIMESTAMP", "SELECT current_date", "select Current_Time",
            "SELECT julianday()", "SELECT unixepoch() - 5", "SELECT strftime('%s')", "SELECT timediff('now', ts) FROM t",
            "SELECT random()", "SELECT id FROM t ORDER BY RANDOM() LIMIT ?", "SELECT hex(randomblob(4))",
            "SELECT count(*) FROM recent", "SELECT * FROM shuffled", "SELECT id FROM t WHERE id IN (SELECT id FROM recent)",
            "WITH x AS (SELECT date('now') d) SELECT d FROM x"})
    void theClockOrARandomSourceInTheTextOrBehindAViewVaries(String sql) throws SQLException {
        assertThat(VolatileCalls.in(conn, sql)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT count(*) FROM t", "SELECT * FROM plain WHERE id = ?", "SELECT json_extract(body, '$.a') FROM t",
            "SELECT group_concat(body, ',') FROM t GROUP BY ts", "SELECT 'now', 'random()' AS random FROM t",
            "SELECT * FROM t WHERE body LIKE '%datetime(%'"})
    void statementsThatOnlyReadTheDataDoNot(String sql) throws SQLException {
        assertThat(VolatileCalls.in(conn, sql)).isFalse();
    }

    @Test
    void aDateFunctionCountsWhateverItsArgumentsSinceTheProgramDoesNotSay() throws SQLException {
        assertThat(VolatileCalls.in(conn, "SELECT date(ts), count(*) FROM t GROUP BY 1")).isTrue();
    }

    @Test
    void aStatementSqliteCannotCompileIsAnError() {
        assertThatThrownBy(() -> VolatileCalls.in(conn, "SELECT * FROM missing")).isInstanceOf(SQLException.class);
    }
}
