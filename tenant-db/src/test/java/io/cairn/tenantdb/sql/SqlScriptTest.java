package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlScriptTest {
    @Test
    void splitsAtTheSemicolonsThatEndStatementsOnly() throws Exception {
        String script = """
                -- users; and their emails
                CREATE TABLE users (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'a;b');
                /* ; */ ALTER TABLE users ADD COLUMN "odd;name" TEXT;;
                CREATE TRIGGER t AFTER INSERT ON users BEGIN
                  UPDATE users SET note = CASE WHEN new.id > 1 THEN 'x' ELSE 'y' END WHERE id = new.id;
                  DELETE FROM users WHERE id < 0;
                END;
                INSERT INTO users (id) VALUES (1)
                """;
        assertThat(SqlScript.split(script)).containsExactly(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'a;b')",
                "ALTER TABLE users ADD COLUMN \"odd;name\" TEXT",
                "CREATE TRIGGER t AFTER INSERT ON users BEGIN\n  UPDATE users SET note = CASE WHEN new.id > 1 THEN 'x' ELSE 'y' END"
                        + " WHERE id = new.id;\n  DELETE FROM users WHERE id < 0;\nEND",
                "INSERT INTO users (id) VALUES (1)");
        for (String st : SqlScript.split(script)) StatementPolicy.checkWrite(st); // each is exactly one statement
    }

    @Test
    void aScriptOfCommentsHoldsNoStatement() throws Exception {
        assertThat(SqlScript.split("-- nothing\n;\n/* here */")).isEmpty();
    }

    @Test
    void textIsCompleteOnlyAtASemicolonThatEndsAStatement() {
        assertThat(SqlScript.complete("SELECT 1;")).isTrue();
        assertThat(SqlScript.complete("SELECT 1; -- done")).isTrue();
        assertThat(SqlScript.complete("SELECT 1; SELECT 2;")).isTrue();
        assertThat(SqlScript.complete(";")).isTrue();
        assertThat(SqlScript.complete("")).isFalse();
        assertThat(SqlScript.complete("SELECT 1")).isFalse();
        assertThat(SqlScript.complete("SELECT 1; SELECT 2")).isFalse();
        assertThat(SqlScript.complete("INSERT INTO t VALUES ('a;")).isFalse(); // the string goes on on the next line
        assertThat(SqlScript.complete("INSERT INTO t VALUES ('a;\nb');")).isTrue();
        assertThat(SqlScript.complete("SELECT 1 /* ; */")).isFalse();
        assertThat(SqlScript.complete("SELECT 1 /* ;")).isFalse();
        assertThat(SqlScript.complete("CREATE TRIGGER g AFTER INSERT ON t BEGIN DELETE FROM t;")).isFalse();
        assertThat(SqlScript.complete("CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; END")).isFalse();
        assertThat(SqlScript.complete("CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; END;")).isTrue();
        assertThat(SqlScript.complete("SELECT x'0g';")).isTrue(); // never valid: sent, and refused, rather than waited on
    }
}
