package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.ErrorCode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ShadowTablesTest {
    private Connection conn;

    @BeforeEach
    void open() throws SQLException {
        conn = DriverManager.getConnection("jdbc:sqlite::memory:");
    }

    @AfterEach
    void close() throws SQLException {
        conn.close();
    }

    @Test
    void noVirtualTableMeansNoInternalTables() throws SQLException {
        exec("CREATE TABLE f_data (a)", "CREATE TABLE docs_idx (a)", "CREATE VIEW v_data AS SELECT 1");

        assertThat(ShadowTables.names(conn)).isEmpty();
    }

    @Test
    void namesExactlyWhatSqliteCallsShadow() throws SQLException {
        exec("CREATE VIRTUAL TABLE Docs USING fts5(body)", "CREATE VIRTUAL TABLE r USING rtree(id, x0, x1)",
                "CREATE VIRTUAL TABLE f2 USING fts5(a, content='')",
                // Look like internal tables, but are the tenant's own: no module claims their suffix, or no virtual table their prefix.
                "CREATE TABLE docs_mine (a)", "CREATE TABLE r_x (a)", "CREATE TABLE f2data (a)", "CREATE TABLE docs_ (a)",
                "CREATE TABLE other_data (a)");
        for (int i = 0; i < 200; i++) exec("CREATE TABLE plain" + i + " (a)");

        assertThat(ShadowTables.names(conn)).isEqualTo(sqliteShadows()).contains("docs_data", "docs_idx", "r_node", "f2_data")
                .doesNotContain("docs_mine", "r_x", "f2data", "docs_", "other_data");
    }

    @Test
    void everyModuleOfTheBundledSqliteIsKnownAndItsInternalTablesNamedAsSqliteNamesThem() throws SQLException {
        Set<String> modules = new HashSet<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM pragma_module_list")) {
            while (rs.next()) modules.add(rs.getString(1));
        }
        // Modules without internal tables; one more in a new SQLite must be looked at before it is listed either way.
        Set<String> without = Set.of("dbstat", "fts3tokenize", "fts4aux", "fts5vocab", "pragma_module_list");
        assertThat(modules).containsExactlyInAnyOrderElementsOf(union(without, ShadowTables.SHADOW_SUFFIXES.keySet()));
        exec("CREATE VIRTUAL TABLE a USING fts3(x)", "CREATE VIRTUAL TABLE b USING FTS4(x)", "CREATE VIRTUAL TABLE c USING rtree_i32(id, x0, x1)",
                "CREATE VIRTUAL TABLE d USING 'fts5'(x)", "CREATE TABLE a_stat (x)", "CREATE TABLE c_data (x)");
        assertThat(ShadowTables.names(conn)).isEqualTo(sqliteShadows()).contains("a_stat", "b_docsize", "c_node", "d_idx").doesNotContain("c_data");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void namesPastAsciiAreRefusedInAnySpelling() throws SQLException, SqlRefusal {
        exec("CREATE VIRTUAL TABLE \"Ébauche\" USING fts5(body)");

        assertThat(ShadowTables.names(conn)).contains("ébauche_data");
        assertThatThrownBy(() -> ShadowTables.refuseNaming("INSERT INTO \"Ébauche_data\" VALUES (9, x'00')", ShadowTables.names(conn)))
                .isInstanceOf(SqlRefusal.class);
        ShadowTables.refuseNaming("INSERT INTO \"Ébauche\" VALUES ('text')", ShadowTables.names(conn));
    }

    @Test
    void followsRenames() throws SQLException {
        exec("CREATE VIRTUAL TABLE f USING fts5(body)", "ALTER TABLE f RENAME TO g");

        assertThat(ShadowTables.names(conn)).isEqualTo(sqliteShadows()).contains("g_data").doesNotContain("f_data");
    }

    @Test
    void refusesTriggersWritingThem() throws SQLException {
        exec("CREATE TABLE t (a)", "CREATE TRIGGER w AFTER INSERT ON t BEGIN INSERT INTO f_data VALUES (1, x''); END",
                "CREATE VIRTUAL TABLE f USING fts5(body)");

        assertThatThrownBy(() -> ShadowTables.refuseTriggersNaming(conn, ShadowTables.names(conn)))
                .isInstanceOfSatisfying(SqlRefusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.FORBIDDEN_STATEMENT))
                .hasMessageContaining("trigger w would write f_data");
    }

    private Set<String> sqliteShadows() throws SQLException {
        Set<String> out = new HashSet<>();
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT lower(name) FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private void exec(String... sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            for (String q : sql) s.execute(q);
        }
    }
}
