package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.ErrorCode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ViewExpansionTest {
    private Connection conn;

    @BeforeEach
    void open() throws SQLException {
        conn = DriverManager.getConnection("jdbc:sqlite::memory:");
        exec("CREATE TABLE wide (" + IntStream.range(0, 100).mapToObj(i -> "c" + i).collect(Collectors.joining(", ")) + ")");
    }

    @AfterEach
    void close() throws SQLException {
        conn.close();
    }

    @Test
    void aSchemaWithoutViewsHasNothingToCount() throws Exception {
        exec("CREATE TABLE t (a)", "CREATE TRIGGER g AFTER INSERT ON t BEGIN INSERT INTO wide (c0) VALUES (1); END");
        assertThat(ViewExpansion.viewSizes(conn)).isEmpty();
        ViewExpansion.refuseOver(conn);
        ViewExpansion.refuseStatement("SELECT * FROM wide, wide, wide", Map.of());
    }

    @Test
    void aChainOfViewsDoublingAtEachLevelIsRefusedOnceItPassesTheLimitWhateverItsLengthSoFar() throws Exception {
        exec("CREATE VIEW v0 AS SELECT * FROM wide");
        int level = 1;
        try {
            for (; level < 30; level++) {
                exec("CREATE VIEW v" + level + " AS SELECT * FROM v" + (level - 1) + " UNION ALL SELECT * FROM v" + (level - 1));
                ViewExpansion.refuseOver(conn);
            }
        } catch (SqlRefusal r) {
            assertThat(r.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
            assertThat(r.getMessage()).contains("view v" + level + " alone is").contains("define views from tables")
                    .contains(String.valueOf(ViewExpansion.MAX_SCHEMA_TOKENS));
        }
        // Each level holds the one below twice, and the one below holds the 100 columns of wide: the views of 2^11 copies of it
        // are past the schema's limit.
        assertThat(level).isBetween(10, 12);
        Map<String, Long> sizes = ViewExpansion.viewSizes(conn);
        assertThat(sizes.get("v1")).isGreaterThan(2 * sizes.get("v0")).isGreaterThan(2 * 100);
    }

    @Test
    void aStatementIsCountedWithEveryViewItNamesEachTimeItNamesIt() throws Exception {
        exec("CREATE VIEW v AS SELECT * FROM wide");
        Map<String, Long> sizes = ViewExpansion.viewSizes(conn);
        long v = sizes.get("v");
        int times = (int) (ViewExpansion.MAX_TOKENS / v) + 1;
        String many = IntStream.range(0, times).mapToObj(i -> "SELECT * FROM v").collect(Collectors.joining(" UNION ALL "));
        assertThatThrownBy(() -> ViewExpansion.refuseStatement(many, sizes))
                .isInstanceOfSatisfying(SqlRefusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.STATEMENT_TOO_LONG))
                .hasMessageContaining("with the views it names expanded");
        String quoted = IntStream.range(0, times).mapToObj(i -> i % 2 == 0 ? "SELECT * FROM 'V'" : "SELECT * FROM wide, main.\"v\"")
                .collect(Collectors.joining(" UNION ALL "));
        assertThatThrownBy(() -> ViewExpansion.refuseStatement(quoted, sizes)).isInstanceOf(SqlRefusal.class);
        // A column qualifier or a value that spells the view's name is no copy of it.
        String values = "INSERT INTO wide (c0, c1) VALUES " + IntStream.range(0, times).mapToObj(i -> "('v', 'v')").collect(Collectors.joining(", "));
        ViewExpansion.refuseStatement(values, sizes);
        ViewExpansion.refuseStatement("SELECT " + IntStream.range(0, times).mapToObj(i -> "v.c1").collect(Collectors.joining(", ")) + " FROM v", sizes);
    }

    @Test
    void triggersNamingViewsCountWithTheViews() throws Exception {
        exec("CREATE VIEW v AS SELECT * FROM wide", "CREATE TABLE t (a)");
        long v = ViewExpansion.viewSizes(conn).get("v");
        String body = IntStream.range(0, (int) (ViewExpansion.MAX_TOKENS / v) + 1).mapToObj(i -> "INSERT INTO t SELECT c0 FROM v;")
                .collect(Collectors.joining(" "));
        exec("CREATE TRIGGER g AFTER INSERT ON t WHEN new.a = 0 BEGIN " + body + " END");
        assertThatThrownBy(() -> ViewExpansion.refuseOver(conn))
                .isInstanceOfSatisfying(SqlRefusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED))
                .hasMessageContaining("triggers would name");
    }

    @Test
    void circularViewsAreCountedOnceAndEnd() throws Exception {
        exec("CREATE TABLE b (x)", "CREATE VIEW a AS SELECT * FROM b", "DROP TABLE b", "CREATE VIEW b AS SELECT * FROM a");
        Map<String, Long> sizes = ViewExpansion.viewSizes(conn);
        assertThat(sizes).containsKeys("a", "b");
        ViewExpansion.refuseOver(conn);
    }

    private void exec(String... sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            for (String q : sql) s.execute(q);
        }
    }
}
