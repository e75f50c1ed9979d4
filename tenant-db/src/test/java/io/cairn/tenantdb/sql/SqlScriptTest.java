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
}
