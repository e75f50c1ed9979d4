package io.cairn.edge.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.edge.error.ApiError;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationSqlTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static List<String> ops(String operations) throws Exception {
        return MigrationSql.fromRequest(M.readTree("{\"operations\":[" + operations + "]}"));
    }

    private static String create(String column) {
        return "{\"op\":\"create_table\",\"table\":\"t\",\"columns\":[{\"name\":\"id\",\"type\":\"INTEGER\",\"primary_key\":true}," + column + "]}";
    }

    /** The same SQL sent again with a trailing space or semicolon is the same version (it was a version_conflict). */
    @Test
    void statementsAreKeptWithoutTheSpaceAndSemicolonsAroundThem() throws Exception {
        List<String> sent = MigrationSql.fromRequest(M.readTree("{\"statements\":[\"  CREATE TABLE t (a);  \\n\", \"CREATE INDEX i ON t (a);;\"]}"));
        assertThat(sent).containsExactly("CREATE TABLE t (a)", "CREATE INDEX i ON t (a)");
        List<String> again = MigrationSql.fromRequest(M.readTree("{\"sql\":\"CREATE TABLE t (a)\"}"));
        MigrationCatalog.Version before = new MigrationCatalog.Version("app", 1, MigrationSql.checksum(List.of("CREATE TABLE t (a); ")),
                List.of("CREATE TABLE t (a); "), "", 0, "");
        assertThat(MigrationSql.same(before, again)).as("registered untrimmed, before").isTrue();
        assertThat(MigrationSql.same(before, List.of("CREATE TABLE u (a)"))).isFalse();
    }

    /** An array under "sql" is the natural first try at several statements: the answer names the field that takes them. */
    @Test
    void anArrayUnderSqlIsToldToUseStatements() {
        assertThatThrownBy(() -> MigrationSql.fromRequest(M.readTree("{\"sql\":[\"CREATE TABLE t (a)\"]}")))
                .hasMessageContaining("\"statements\": [");
    }

    /** The same file checked out with CRLF line endings, or saved with a byte order mark, is the same version (it was a conflict). */
    @Test
    void lineEndingsAndAByteOrderMarkDoNotMakeAnotherVersion() {
        MigrationCatalog.Version lf = new MigrationCatalog.Version("app", 1, MigrationSql.checksum(List.of("CREATE TABLE t (\n  a\n)")),
                List.of("CREATE TABLE t (\n  a\n)"), "", 0, "");
        assertThat(MigrationSql.same(lf, List.of("CREATE TABLE t (\r\n  a\r\n)"))).isTrue();
        assertThat(MigrationSql.same(lf, List.of("\uFEFFCREATE TABLE t (\n  a\n)"))).isTrue();
        MigrationCatalog.Version crlf = new MigrationCatalog.Version("app", 1, MigrationSql.checksum(List.of("CREATE TABLE t (\r\n  a\r\n)")),
                List.of("CREATE TABLE t (\r\n  a\r\n)"), "", 0, "");
        assertThat(MigrationSql.same(crlf, List.of("CREATE TABLE t (\n  a\n)"))).isTrue();
        assertThat(MigrationSql.same(lf, List.of("CREATE TABLE t (\n  b\n)"))).isFalse();
    }

    @Test
    void numericDefaultsAreStoredAsTheNumbersGiven() throws Exception {
        List<String> sql = ops(create("{\"name\":\"a\",\"type\":\"REAL\",\"default\":-1.5}") + ","
                + "{\"op\":\"add_column\",\"table\":\"t\",\"column\":{\"name\":\"b\",\"default\":12345678901234567890}}");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            for (String s : sql) c.createStatement().execute(s);
            c.createStatement().execute("INSERT INTO t (id) VALUES (1)");
            ResultSet rs = c.createStatement().executeQuery("SELECT typeof(a), a, typeof(b), b FROM t");
            assertThat(rs.getString(1)).isEqualTo("real");
            assertThat(rs.getDouble(2)).isEqualTo(-1.5);
            assertThat(rs.getString(3)).isEqualTo("real"); // past 64 bits, as SQLite reads the literal
            assertThat(rs.getDouble(4)).isEqualTo(1.2345678901234567e19);
        }
    }

    @Test
    void aNumberNoFloatCanHoldIsRefusedNotStoredAsTheTextInfinity() {
        assertThatThrownBy(() -> ops(create("{\"name\":\"a\",\"type\":\"REAL\",\"default\":1e400}")))
                .isInstanceOf(ApiError.class).hasMessageContaining("columns[1].default");
        assertThatThrownBy(() -> ops(create("{\"name\":\"a\",\"type\":\"REAL\",\"default\":-1e400}")))
                .isInstanceOf(ApiError.class).hasMessageContaining("64-bit float");
    }

    /**
     * A version never changes once registered, and a run applies every version up to its target at once: a typo
     * kept would fail every tenant for good. What SQLite cannot parse is refused; what names a table the tenants
     * may have made themselves is not.
     */
    @Test
    void whatSqliteCannotParseIsRefusedWhenRegisteredNamingTheStatement() {
        assertThatThrownBy(() -> MigrationSql.check(List.of("CREATE TABLE notes (id INTEGER PRIMARY KEY)", "CREATE TABL tags (id INTEGER)")))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code()).isEqualTo(io.cairn.topics.ErrorCode.SQL_ERROR);
                    assertThat(e.statement()).isEqualTo(1);
                    assertThat(e.getMessage()).isEqualTo("statement 2 (index 1): near \"TABL\": syntax error; nothing was registered");
                });
        assertThatThrownBy(() -> MigrationSql.check(List.of("CREATE TABLE t (a INTEGER")))
                .isInstanceOf(ApiError.class).hasMessageContaining("incomplete input");
        MigrationSql.check(List.of("ALTER TABLE made_by_writes ADD COLUMN email TEXT", "CREATE INDEX ix ON made_by_writes (email)",
                "UPDATE made_by_writes SET email = lower(name)"));
    }

    @Test
    void columnsSqliteCannotAddAreRefusedWhenRegistered() {
        assertThatThrownBy(() -> ops("{\"op\":\"add_column\",\"table\":\"t\",\"column\":{\"name\":\"k\",\"type\":\"INTEGER\",\"primary_key\":true}}"))
                .isInstanceOf(ApiError.class).hasMessageContaining("PRIMARY KEY");
        assertThatThrownBy(() -> ops("{\"op\":\"add_column\",\"table\":\"t\",\"column\":{\"name\":\"k\",\"unique\":true}}"))
                .isInstanceOf(ApiError.class).hasMessageContaining("unique index");
        assertThatThrownBy(() -> ops("{\"op\":\"add_column\",\"table\":\"t\",\"column\":{\"name\":\"k\",\"not_null\":true}}"))
                .isInstanceOf(ApiError.class).hasMessageContaining("NOT NULL");
        assertThatThrownBy(() -> ops("{\"op\":\"add_column\",\"table\":\"t\",\"column\":{\"name\":\"k\",\"not_null\":true,\"default\":null}}"))
                .isInstanceOf(ApiError.class).hasMessageContaining("NOT NULL");
    }

    @Test
    void aNotNullColumnWithADefaultIsAddedToATableWithRows() throws Exception {
        List<String> sql = ops("{\"op\":\"add_column\",\"table\":\"t\",\"column\":{\"name\":\"k\",\"type\":\"TEXT\",\"not_null\":true,\"default\":\"\"}}");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            c.createStatement().execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            c.createStatement().execute("INSERT INTO t VALUES (1)");
            c.createStatement().execute(sql.getFirst());
            assertThat(c.createStatement().executeQuery("SELECT k FROM t").getString(1)).isEmpty();
        }
    }

    @Test
    void namesSqliteReservesAreRefusedForNewTables() {
        assertThatThrownBy(() -> ops("{\"op\":\"rename_table\",\"from\":\"a\",\"to\":\"SQLITE_x\"}"))
                .isInstanceOf(ApiError.class).hasMessageContaining("reserved by SQLite");
        assertThatThrownBy(() -> ops("{\"op\":\"create_table\",\"table\":\"sqlite_t\",\"columns\":[{\"name\":\"a\"}]}"))
                .isInstanceOf(ApiError.class).hasMessageContaining("reserved by SQLite");
    }
}
