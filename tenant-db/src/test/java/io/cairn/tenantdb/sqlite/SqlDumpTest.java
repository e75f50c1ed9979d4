package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sql.LogicalChecksum;
import io.cairn.tenantdb.sql.SqlScript;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlDumpTest {
    @TempDir Path dir;

    @Test
    void aDumpRunIntoAnEmptyDatabaseGivesTheSameContentAndLeavesCairnsTablesOut() throws Exception {
        String dump;
        String expected;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("a.db")); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE \"odd \"\"name\"\"\" (id INTEGER PRIMARY KEY AUTOINCREMENT, t TEXT, r REAL, b BLOB, n)");
            s.execute("INSERT INTO \"odd \"\"name\"\"\" (t, r, b, n) VALUES ('it''s', 0.1, x'00ff', 9223372036854775807),"
                    + " (NULL, -1e300, x'', 'text in an untyped column'), ('line\nbreak', 3.0, NULL, 1.5)");
            s.execute("CREATE INDEX odd_t ON \"odd \"\"name\"\"\" (t)");
            s.execute("CREATE VIEW v AS SELECT t FROM \"odd \"\"name\"\"\"");
            s.execute("CREATE TRIGGER tr AFTER DELETE ON \"odd \"\"name\"\"\" BEGIN SELECT 1; END");
            s.execute("CREATE TABLE _cairn_keys (k)");
            s.execute("INSERT INTO _cairn_keys VALUES ('secret hash')");
            StringWriter w = new StringWriter();
            assertThat(SqlDump.write(c, w)).isEqualTo(3);
            dump = w.toString();
            expected = LogicalChecksum.sha256Hex(c);
        }
        assertThat(dump).doesNotContain("_cairn_").doesNotContain("secret hash");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("b.db")); Statement s = c.createStatement()) {
            for (String statement : SqlScript.split(dump)) s.execute(statement);
            assertThat(LogicalChecksum.sha256Hex(c)).isEqualTo(expected);
        }
    }

    @Test
    void generatedColumnsAreComputedAgainAndAutoincrementCountersAndStatisticsComeAlong() throws Exception {
        String dump;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("g.db")); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE g (a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL, c INT GENERATED ALWAYS AS (a * 3) STORED, d TEXT)");
            s.execute("INSERT INTO g (a, d) VALUES (5, 'five')");
            s.execute("CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT, v)");
            s.execute("INSERT INTO seq (v) VALUES ('x'), ('y'), ('z')");
            s.execute("DELETE FROM seq WHERE id = 3");
            s.execute("CREATE TABLE _cairn_log (id INTEGER PRIMARY KEY AUTOINCREMENT, k)");
            s.execute("INSERT INTO _cairn_log (k) VALUES ('secret')");
            s.execute("CREATE INDEX seq_v ON seq (v)");
            s.execute("ANALYZE");
            StringWriter w = new StringWriter();
            assertThat(SqlDump.write(c, w)).isEqualTo(3);
            dump = w.toString();
        }
        assertThat(dump).contains("INSERT INTO \"g\" VALUES(5,'five');").doesNotContain("_cairn_");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("h.db")); Statement s = c.createStatement()) {
            for (String statement : SqlScript.split(dump)) s.execute(statement);
            assertThat(s.executeQuery("SELECT b, c FROM g").getInt(2)).isEqualTo(15);
            s.execute("INSERT INTO seq (v) VALUES ('after')");
            assertThat(s.executeQuery("SELECT max(id) FROM seq").getLong(1)).as("an AUTOINCREMENT id is never handed out twice").isEqualTo(4);
            assertThat(s.executeQuery("SELECT stat FROM sqlite_stat1 WHERE idx = 'seq_v'").getString(1)).isEqualTo("2 1");
        }
    }

    @Test
    void virtualTablesAndTextThatIsNotPlainUtf8LoadBackTheSame() throws Exception {
        String dump;
        String expected;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("v.db")); Statement s = c.createStatement()) {
            s.execute("CREATE VIRTUAL TABLE f USING fts5(body)");
            s.execute("INSERT INTO f VALUES ('hello world'), ('goodbye')");
            s.execute("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1)");
            s.execute("INSERT INTO r VALUES (1, 0, 1), (2, 5, 9)");
            s.execute("CREATE TABLE t (a TEXT)");
            s.execute("INSERT INTO t VALUES (char(0) || 'after a NUL'), (CAST(x'ff00fe' AS TEXT)), ('plain ''quoted''')");
            StringWriter w = new StringWriter();
            SqlDump.write(c, w);
            dump = w.toString();
            expected = LogicalChecksum.sha256Hex(c);
        }
        assertThat(dump).doesNotContain("\0").contains("CAST(X'ff00fe' AS TEXT)").contains("'plain ''quoted'''");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db")); Statement s = c.createStatement()) {
            for (String statement : SqlScript.split(dump)) s.execute(statement);
            assertThat(LogicalChecksum.sha256Hex(c)).as(dump).isEqualTo(expected);
            try (var rs = s.executeQuery("SELECT count(*) FROM f WHERE f MATCH 'hello'")) {
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
            try (var rs = s.executeQuery("SELECT * FROM pragma_integrity_check")) {
                assertThat(rs.getString(1)).isEqualTo("ok");
            }
        }
    }
}
