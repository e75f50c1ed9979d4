package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class StatementPolicyTest {

    private static AbstractThrowableAssert<?, ?> refusedWrite(String sql, String code) {
        return assertThatThrownBy(() -> StatementPolicy.checkWrite(sql)).as(sql)
                .isInstanceOf(SqlRefusal.class).satisfies(t -> org.assertj.core.api.Assertions.assertThat(((SqlRefusal) t).code().wire()).isEqualTo(code));
    }

    private static AbstractThrowableAssert<?, ?> refusedRead(String sql, String code) {
        return assertThatThrownBy(() -> StatementPolicy.checkRead(sql)).as(sql)
                .isInstanceOf(SqlRefusal.class).satisfies(t -> org.assertj.core.api.Assertions.assertThat(((SqlRefusal) t).code().wire()).isEqualTo(code));
    }

    private static List<String> slots(String sql) throws SqlRefusal {
        return StatementPolicy.checkWrite(sql).parameterNames();
    }

    // --- one statement per text

    @Test
    void theLengthOfATextIsCountedInUtf8BytesAsSqliteCountsIt() throws SqlRefusal {
        StatementPolicy.checkLength("SELECT '" + "x".repeat(99_990) + "'", 100_000);
        StatementPolicy.checkLength("SELECT '" + "é".repeat(49_990) + "'", 100_000); // 2 bytes each
        assertThatThrownBy(() -> StatementPolicy.checkLength("SELECT '" + "é".repeat(50_000) + "'", 100_000))
                .isInstanceOfSatisfying(SqlRefusal.class, r -> {
                    assertThat(r.code().wire()).isEqualTo("statement_too_long");
                    assertThat(r.getMessage()).contains("100,009 bytes").contains("100,000");
                });
        assertThatThrownBy(() -> StatementPolicy.checkLength("SELECT '" + "\uD83D\uDE00".repeat(25_000) + "'", 100_000))
                .as("a character outside the BMP is 4 bytes").isInstanceOf(SqlRefusal.class);
        StatementPolicy.checkLength("SELECT '" + "\uD83D\uDE00".repeat(24_997) + "'", 100_000);
    }

    @Test
    void refusesTwoStatements() {
        refusedWrite("INSERT INTO t VALUES (1); DELETE FROM t", "multiple_statements");
        refusedRead("SELECT 1; SELECT 2", "multiple_statements");
    }

    @Test
    void refusesEmptyStatementBeforeTheStatement() {
        refusedWrite("; INSERT INTO t VALUES (1)", "multiple_statements");
    }

    @Test
    void refusesTextWithoutAStatement() {
        for (String sql : List.of("", "   ", "-- nothing\n", "/* x */", ";", " ; ;")) refusedWrite(sql, "empty_statement");
    }

    @Test
    void trailingSemicolonsAndCommentsAreFine() throws SqlRefusal {
        String sql = "INSERT INTO t VALUES (1); -- done\n ; /* really */";
        assertThat(StatementPolicy.checkWrite(sql).sql()).isEqualTo(sql);
    }

    @Test
    void triggerBodyIsOneStatement() throws SqlRefusal {
        StatementPolicy.checkWrite("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (1);"
                + " UPDATE t SET a = CASE WHEN a > 1 THEN 2 ELSE 3 END; END;");
        StatementPolicy.checkWrite("CREATE TEMPORARY TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END".replace("TEMPORARY ", ""));
        refusedWrite("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END; DROP TABLE t", "multiple_statements");
    }

    // --- forbidden statements

    @Test
    void refusesAttach() {
        refusedWrite("ATTACH DATABASE 'other.db' AS o", "forbidden_statement").hasMessageContaining("ATTACH");
        refusedRead("attach 'other.db' as o", "forbidden_statement");
    }

    @Test
    void refusesDetach() {
        refusedWrite("DETACH o", "forbidden_statement").hasMessageContaining("DETACH");
    }

    @Test
    void refusesVacuum() {
        refusedWrite("VACUUM", "forbidden_statement").hasMessageContaining("VACUUM");
    }

    @Test
    void refusesVacuumInto() {
        refusedWrite("VACUUM INTO '/tmp/copy.db'", "forbidden_statement").hasMessageContaining("VACUUM");
    }

    @Test
    void refusesForbiddenStatementBehindExplain() {
        refusedWrite("EXPLAIN QUERY PLAN ATTACH 'x' AS y", "forbidden_statement");
        refusedWrite("explain pragma journal_mode", "forbidden_statement");
    }

    @Test
    void refusesEveryPragmaOnTheWritePath() {
        for (String sql : List.of("PRAGMA journal_mode=DELETE", "PRAGMA table_info(t)", "pragma main.user_version = 3",
                "PRAGMA writable_schema=ON")) {
            refusedWrite(sql, "forbidden_statement").hasMessageContaining("PRAGMA");
        }
    }

    @Test
    void readPathAllowsIntrospectionPragmas() throws SqlRefusal {
        for (String sql : List.of("PRAGMA table_info(t)", "pragma main.TABLE_XINFO('t')", "PRAGMA index_list(t);",
                "PRAGMA foreign_key_check", "PRAGMA table_list", "PRAGMA \"index_info\"(i)", "PRAGMA user_version", "SELECT * FROM pragma_application_id")) {
            StatementPolicy.checkRead(sql);
        }
    }

    @Test
    void readPathRefusesOtherPragmas() {
        refusedRead("PRAGMA journal_mode", "forbidden_statement").hasMessageContaining("journal_mode");
        refusedRead("PRAGMA foreign_keys", "forbidden_statement").hasMessageContaining("always enforced");
        refusedWrite("pragma main.FOREIGN_KEYS = OFF", "forbidden_statement").hasMessageContaining("always enforced");
        refusedRead("PRAGMA query_only = OFF", "forbidden_statement").hasMessageContaining("query_only");
        refusedRead("PRAGMA function_list", "forbidden_statement");
    }

    @Test
    void readPathRefusesAssignmentEvenToAllowedPragma() {
        refusedRead("PRAGMA table_info = t", "forbidden_statement").hasMessageContaining("=");
    }

    @Test
    void refusesLoadExtension() {
        refusedWrite("SELECT load_extension('/tmp/x.so')", "forbidden_statement").hasMessageContaining("load_extension");
        refusedRead("SELECT \"LOAD_EXTENSION\" /* sneaky */ ('/tmp/x.so')", "forbidden_statement");
    }

    @Test
    void refusesFileFunctions() {
        for (String f : List.of("readfile", "writefile", "edit", "fts3_tokenizer")) {
            refusedWrite("INSERT INTO t SELECT " + f + "('a', 'b')", "forbidden_statement").hasMessageContaining(f);
        }
    }

    @Test
    void columnNamedLikeAFileFunctionIsFine() throws SqlRefusal {
        StatementPolicy.checkWrite("CREATE TABLE docs(id INTEGER PRIMARY KEY, edit TEXT, readfile INT)");
    }

    @Test
    void refusesTemporaryObjectsInWrites() {
        refusedWrite("CREATE TEMP TABLE x(a)", "forbidden_statement");
        refusedWrite("CREATE TEMPORARY TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", "forbidden_statement");
        refusedWrite("CREATE TABLE temp.x(a)", "forbidden_statement");
    }

    /** Statistics written by hand steer only the copies that open the file afterwards: ANALYZE writes them on every copy. */
    @Test
    void refusesWritesOfThePlannersStatisticsButAnImportMayBringThem() throws SqlRefusal {
        refusedWrite("UPDATE sqlite_stat1 SET stat = '100000 1 1' WHERE idx = 'ia'", "forbidden_statement").hasMessageContaining("ANALYZE");
        refusedWrite("DELETE FROM main.sqlite_stat4", "forbidden_statement");
        refusedWrite("INSERT INTO \"sqlite_stat1\" VALUES ('t', 'i', '1 1')", "forbidden_statement");
        refusedWrite("CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE sqlite_stat1 SET stat = '1'; END", "forbidden_statement");
        StatementPolicy.checkWrite("ANALYZE t");
        StatementPolicy.checkWrite("ANALYZE sqlite_schema");
        assertThat(StatementPolicy.isStatisticsInsert("INSERT INTO sqlite_stat1 VALUES('a',NULL,'2');")).isTrue();
        assertThat(StatementPolicy.isStatisticsInsert("INSERT INTO sqlite_stat4 VALUES('t','i','1 1','0 0','0 0',X'0301');")).isTrue();
        assertThat(StatementPolicy.isStatisticsInsert("INSERT INTO sqlite_stat1 SELECT name, NULL, '1' FROM sqlite_schema")).isFalse();
        assertThat(StatementPolicy.isStatisticsInsert("INSERT INTO sqlite_stat1 VALUES('a', (SELECT 1), '2')")).isFalse();
        assertThat(StatementPolicy.isStatisticsInsert("INSERT INTO t VALUES('a',NULL,'2')")).isFalse();
    }

    /** A deferred key is checked when the applier's group commits, not when the write ends: its failure stopped the group. */
    @Test
    void refusesDeferredForeignKeys() throws SqlRefusal {
        refusedWrite("CREATE TABLE d (id INTEGER PRIMARY KEY, pid REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)", "forbidden_statement")
                .hasMessageContaining("DEFERRABLE INITIALLY DEFERRED is not supported");
        refusedWrite("CREATE TABLE d (pid, FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE deferrable initially deferred)",
                "forbidden_statement");
        refusedWrite("ALTER TABLE d ADD COLUMN q REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED", "forbidden_statement");
        StatementPolicy.checkWrite("CREATE TABLE d (a REFERENCES p(id) DEFERRABLE INITIALLY IMMEDIATE, b REFERENCES p(id) DEFERRABLE,"
                + " c REFERENCES p(id) NOT DEFERRABLE INITIALLY DEFERRED)");
    }

    @Test
    void refusesServerDependentFunctionsInWrites() throws SqlRefusal {
        refusedWrite("INSERT INTO t VALUES (sqlite_version())", "nondeterministic").hasMessageContaining("sqlite_version");
        refusedWrite("INSERT INTO t VALUES (total_changes())", "nondeterministic");
        refusedWrite("INSERT INTO t SELECT pgsize FROM dbstat", "nondeterministic").hasMessageContaining("dbstat");
        StatementPolicy.checkRead("SELECT sqlite_version()");
    }

    @Test
    void refusesTheClockWhereSqliteComputesAnExpressionAgain() throws SqlRefusal {
        refusedWrite("CREATE INDEX i ON t (a, datetime('now'))", "nondeterministic").hasMessageContaining("in an index");
        refusedWrite("CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a) WHERE julianday('NOW') > b", "nondeterministic");
        refusedWrite("CREATE INDEX i ON t (date())", "nondeterministic");
        refusedWrite("CREATE INDEX i ON t (a, datetime(\"now\"))", "nondeterministic"); // a string, when no column is named now
        refusedWrite("CREATE INDEX i ON t (strftime('%s'))", "nondeterministic");
        refusedWrite("CREATE INDEX i ON t (a) WHERE b < CURRENT_TIMESTAMP", "nondeterministic");
        refusedWrite("CREATE TABLE g (a, b TEXT GENERATED ALWAYS AS (datetime('now')) STORED)", "nondeterministic")
                .hasMessageContaining("a generated column");
        refusedWrite("CREATE TABLE g (a, b AS (unixepoch('subsec')))", "nondeterministic");
        refusedWrite("CREATE TABLE c (a CHECK (a < julianday('now')))", "nondeterministic").hasMessageContaining("a CHECK constraint");
        refusedWrite("CREATE TABLE c (a, CONSTRAINT k CHECK (a <= date()))", "nondeterministic");
        refusedWrite("ALTER TABLE t ADD COLUMN d AS (time('now'))", "nondeterministic");
        refusedWrite("ALTER TABLE t ADD d CHECK (d > timediff('now', '2000-01-01'))", "nondeterministic");
        // 'now' made at run time: whatever the text says, a computed time-value is refused there
        refusedWrite("CREATE TABLE ck (x CHECK (x < datetime(char(110,111,119))))", "nondeterministic")
                .hasMessageContaining("datetime() of a computed time-value is not allowed in a CHECK constraint");
        refusedWrite("CREATE INDEX gi ON o (datetime(char(110,111,119)))", "nondeterministic");
        refusedWrite("CREATE TABLE gn (x, y NOT NULL AS (datetime(lower('NOW'))))", "nondeterministic");
        refusedWrite("CREATE TABLE gn (x, y AS (strftime('%s', 'n' || 'ow')))", "nondeterministic");
        refusedWrite("ALTER TABLE t ADD COLUMN d AS (timediff(x, replace('nxw', 'x', 'o')))", "nondeterministic");
        StatementPolicy.checkWrite("CREATE TABLE q (a, b AS (date(main.q.a, '+' || a || ' days')), c AS (strftime('%Y', q.a)),"
                + " d AS (julianday(?1)), e AS (date(-1)), f AS (timediff(a, '2000-01-01')))");
        // the clock of a given time, a DEFAULT, a trigger, a view, a table made from a query: computed once
        StatementPolicy.checkWrite("CREATE INDEX i ON t (date(created_at), strftime('%Y', created_at))");
        StatementPolicy.checkWrite("CREATE INDEX i ON t (a) WHERE created_at > '2026-01-01'");
        StatementPolicy.checkWrite("CREATE TABLE g (a, created TEXT DEFAULT CURRENT_TIMESTAMP, d AS (date(created)),"
                + " CHECK (julianday(created) > 0), e DEFAULT (datetime('now')))");
        StatementPolicy.checkWrite("CREATE TABLE s AS SELECT datetime('now') AS at");
        StatementPolicy.checkWrite("CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET at = datetime('now'); END");
        StatementPolicy.checkWrite("CREATE VIEW v AS SELECT datetime('now') AS now");
        StatementPolicy.checkWrite("CREATE TABLE x (a CHECK (CAST(a AS TEXT) <> 'now'))");
    }

    // --- transaction control

    @Test
    void refusesTransactionControl() {
        for (String sql : List.of("BEGIN", "BEGIN IMMEDIATE TRANSACTION", "COMMIT", "END TRANSACTION", "ROLLBACK",
                "ROLLBACK TO sp", "SAVEPOINT sp", "RELEASE sp", "release savepoint sp")) {
            refusedWrite(sql, "transaction_control");
            refusedRead(sql, "transaction_control");
        }
    }

    @Test
    void raiseRollbackInsideTriggerIsNotTransactionControl() throws SqlRefusal {
        StatementPolicy.checkWrite("CREATE TRIGGER tr BEFORE DELETE ON t BEGIN SELECT RAISE(ROLLBACK, 'no'); END");
    }

    // --- reserved names

    @Test
    void refusesReservedNameBare() {
        refusedWrite("DELETE FROM _cairn_applied", "reserved_name").hasMessageContaining("_cairn_");
        refusedRead("SELECT * FROM _CAIRN_KEYS", "reserved_name");
    }

    @Test
    void refusesReservedNameQuoted() {
        for (String name : List.of("\"_cairn_keys\"", "`_Cairn_keys`", "[_cairn_keys]", "main.\"_cairn_tenant\"")) {
            refusedRead("SELECT * FROM " + name, "reserved_name");
        }
        refusedWrite("CREATE TABLE \"_cairn_mine\"(a)", "reserved_name");
        refusedWrite("ALTER TABLE t RENAME TO _cairn_x", "reserved_name");
        // A virtual table named _cairn keeps its content in _cairn_data, _cairn_content, ... (which the checksum and exports leave out).
        refusedWrite("CREATE VIRTUAL TABLE _cairn USING fts5(body)", "reserved_name");
        refusedWrite("CREATE VIRTUAL TABLE \"_CAIRN\" USING rtree(id, x0, x1)", "reserved_name");
    }

    @Test
    void refusesReservedNameInStringUsedAsName() {
        // SQLite accepts a string literal where a table name is expected.
        refusedRead("SELECT * FROM '_cairn_keys'", "reserved_name");
        refusedRead("SELECT * FROM pragma_table_info('_cairn_keys')", "reserved_name");
        refusedRead("PRAGMA table_info('_cairn_keys')", "reserved_name");
    }

    // --- false positives

    @Test
    void keywordInsideStringLiteralIsNotRefused() throws SqlRefusal {
        String sql = "INSERT INTO t VALUES ('ATTACH; PRAGMA x', 'BEGIN; COMMIT; VACUUM', 'load_extension(''x'')')";
        assertThat(StatementPolicy.checkWrite(sql).sql()).isEqualTo(sql);
    }

    @Test
    void reservedPrefixInsideStringIsNotRefused() throws SqlRefusal {
        StatementPolicy.checkWrite("INSERT INTO t VALUES ('see _cairn_keys', 'x_cairn_y')");
    }

    @Test
    void keywordInsideCommentIsNotRefused() throws SqlRefusal {
        StatementPolicy.checkWrite("-- ATTACH 'x' AS y; PRAGMA foo\nINSERT INTO t /* ; DELETE FROM _cairn_keys; */ VALUES (1)");
    }

    @Test
    void keywordAsQuotedIdentifierIsNotRefused() throws SqlRefusal {
        StatementPolicy.checkWrite("CREATE TABLE \"pragma\"(\"attach\", [vacuum], `begin`)");
        StatementPolicy.checkWrite("INSERT INTO \"pragma\"(\"attach\") VALUES (1)");
    }

    @Test
    void keywordsUsableAsColumnNamesAreNotRefused() throws SqlRefusal {
        StatementPolicy.checkWrite("CREATE TABLE events(begin INTEGER, end INTEGER, pragma TEXT)");
        StatementPolicy.checkWrite("SELECT begin, end FROM events WHERE pragma = 'x'");
    }

    // --- clock keywords

    @Test
    void currentTimeKeywordsAreRewrittenOnWrites() throws SqlRefusal {
        assertThat(StatementPolicy.checkWrite("CREATE TABLE t(a, ts TEXT DEFAULT CURRENT_TIMESTAMP, d DEFAULT current_date, "
                + "t DEFAULT Current_Time)").sql())
                .isEqualTo("CREATE TABLE t(a, ts TEXT DEFAULT (datetime('now')), d DEFAULT (date('now')), t DEFAULT (time('now')))");
    }

    @Test
    void currentTimestampInStringQuotedIdentifierOrCommentIsKept() throws SqlRefusal {
        String sql = "INSERT INTO t(\"current_timestamp\") VALUES ('CURRENT_TIMESTAMP') -- CURRENT_DATE";
        assertThat(StatementPolicy.checkWrite(sql).sql()).isEqualTo(sql);
        assertThat(StatementPolicy.checkWrite("SELECT t.current_time, 1 AS current_date FROM t").sql())
                .isEqualTo("SELECT t.current_time, 1 AS current_date FROM t");
    }

    @Test
    void readsAreNotRewritten() throws SqlRefusal {
        assertThat(StatementPolicy.checkRead("SELECT CURRENT_TIMESTAMP").sql()).isEqualTo("SELECT CURRENT_TIMESTAMP");
    }

    // --- parameter numbering

    @Test
    void questionMarksTakeNextSlot() throws SqlRefusal {
        assertThat(slots("INSERT INTO t VALUES (?, ?, ?)")).containsExactly(null, null, null);
    }

    @Test
    void numberedParameterIsItsSlotAndRaisesTheMaximum() throws SqlRefusal {
        assertThat(slots("SELECT ?3, ?")).containsExactly(null, null, null, null);
        assertThat(slots("SELECT ?2, ?1, ?2")).hasSize(2);
    }

    @Test
    void namedParameterReusesItsSlot() throws SqlRefusal {
        assertThat(slots("SELECT :a, ?, :a, @a, $b, :b")).containsExactly(":a", null, "@a", "$b", ":b");
    }

    @Test
    void namedParameterAfterNumberedTakesNextSlot() throws SqlRefusal {
        assertThat(slots("SELECT ?5, :x")).containsExactly(null, null, null, null, null, ":x");
    }

    @Test
    void parametersInsideStringsAreNotSlots() throws SqlRefusal {
        assertThat(slots("SELECT '?', ':x', \"?\" FROM t -- ?\n WHERE a = ?")).containsExactly((String) null);
    }

    @Test
    void refusesParameterNumberOutOfRange() {
        refusedWrite("SELECT ?0", "sql_error");
        refusedWrite("SELECT ?99999999999999999999", "sql_error");
    }

    @Test
    void slotNumberingMatchesSqlite() throws Exception {
        String sql = "SELECT :a, ?, ?7, @a, :a, $c, ?, ?2";
        try (var conn = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:");
             var ps = conn.prepareStatement(sql)) {
            List<String> slots = slots(sql);
            assertThat(slots).containsExactly(":a", null, null, null, null, null, null, "@a", "$c", null);
            assertThat(ps.getParameterMetaData().getParameterCount()).isEqualTo(slots.size());
        }
    }

    @org.junit.jupiter.api.Test
    void timeZoneModifierIsRefusedAtIngressButTheSameWordAsDataIsNot() throws Exception {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> StatementPolicy.checkWrite("INSERT INTO t VALUES (datetime('now', 'localtime'))"))
                .isInstanceOfSatisfying(SqlRefusal.class, r -> org.assertj.core.api.Assertions.assertThat(r.code().wire()).isEqualTo("nondeterministic"))
                .hasMessageContaining("localtime");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> StatementPolicy.checkWrite("UPDATE t SET d = strftime('%s', x, ' UTC ')"))
                .isInstanceOf(SqlRefusal.class);
        // SQLite reads a double-quoted name that names no column as a string: found by an outside probe registering a migration
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> StatementPolicy.checkWrite("INSERT INTO t(n) VALUES (datetime(\"now\", \"localtime\"))"))
                .isInstanceOf(SqlRefusal.class).hasMessageContaining("localtime");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> StatementPolicy.checkWrite("CREATE TABLE g (n TEXT, d TEXT AS (datetime(n, \"LocalTime\")))"))
                .as("a generated column").isInstanceOf(SqlRefusal.class);
        StatementPolicy.checkWrite("INSERT INTO t VALUES (datetime([localtime]))"); // brackets are only ever a name
        StatementPolicy.checkWrite("INSERT INTO settings (tz) VALUES ('localtime')");
        StatementPolicy.checkWrite("INSERT INTO t VALUES (datetime('now'), 'utc')");
        StatementPolicy.checkRead("SELECT datetime('now', 'localtime')");
    }
}
