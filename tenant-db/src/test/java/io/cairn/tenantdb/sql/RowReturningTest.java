package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which statements of a write answer with rows, so that a key without the read scope cannot read through a write. */
class RowReturningTest {
    @Test
    void queriesExplainAndReturningAnswerWithRows() {
        for (String sql : new String[] {"SELECT * FROM t", " select 1", "VALUES (1), (2)", "/* x */ SELECT 1",
                "WITH c AS (SELECT 1) SELECT * FROM c", "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) VALUES (1)",
                "WITH c AS MATERIALIZED (DELETE FROM t) SELECT 1", "EXPLAIN INSERT INTO t VALUES (1)", "EXPLAIN QUERY PLAN SELECT 1",
                "INSERT INTO t VALUES (1) RETURNING id", "UPDATE t SET n = 1 RETURNING *", "DELETE FROM t WHERE id = 1 returning id",
                "WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c RETURNING rowid",
                "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET n = 2 RETURNING n"}) {
            assertThat(RowReturning.mayReturnRows(sql)).as(sql).isTrue();
        }
    }

    @Test
    void writesThatOnlyChangeDataDoNot() {
        for (String sql : new String[] {"INSERT INTO t VALUES (1)", "INSERT INTO t SELECT * FROM u", "UPDATE t SET n = (SELECT 1)",
                "DELETE FROM t WHERE id IN (SELECT id FROM u)", "WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c",
                "WITH c(x) AS (VALUES (1)) DELETE FROM t WHERE n IN c", "CREATE TABLE t (id INTEGER PRIMARY KEY, returning TEXT)",
                "CREATE VIEW v AS SELECT 1", "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END", "INSERT INTO t (returning) VALUES (1)",
                "INSERT INTO t VALUES ('SELECT 1 RETURNING x')", "INSERT INTO \"returning\" VALUES (1)", "REPLACE INTO t VALUES (1)"}) {
            assertThat(RowReturning.mayReturnRows(sql)).as(sql).isFalse();
        }
    }
}
