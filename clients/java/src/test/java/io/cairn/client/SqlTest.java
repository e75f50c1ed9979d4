package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which statements a client sends to {@code /query}: the ones that only read, however they are written. */
class SqlTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT 1",
        "\tselect * from t",
        "-- a note\nSELECT 1",
        "/* a note */ VALUES (1)",
        "EXPLAIN QUERY PLAN SELECT 1",
        "PRAGMA table_info(t)",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "WITH x AS (SELECT 'update ' AS k) SELECT k FROM x",
        "WITH x AS (SELECT replace(name, 'a', 'b') AS k FROM t) SELECT k FROM x",
        "WITH \"insert\" AS (SELECT 1) SELECT * FROM \"insert\"",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT n FROM c",
        "WITH x AS (SELECT 1) -- then insert\nSELECT * FROM x"})
    void readsGoToQuery(String sql) {
        assertThat(Sql.readsOnly(sql)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 1",
        "CREATE TABLE t (a)",
        "WITH x AS (SELECT 5 AS k)\nINSERT\nINTO t (n) SELECT k FROM x",
        "WITH x AS (SELECT 'select' AS k) UPDATE t SET a = (SELECT k FROM x)",
        "WITH x AS (SELECT 1) REPLACE INTO t SELECT * FROM x",
        "with x as (select 1) delete from t where a in (select * from x)",
        "-- only a comment",
        "/* unterminated",
        ""})
    void everythingElseGoesToExecute(String sql) {
        assertThat(Sql.readsOnly(sql)).isFalse();
    }
}
