package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParameterBinderTest {
    @TempDir Path dir;
    private TenantConnection tc;

    @BeforeEach
    void open() throws SQLException {
        tc = SqliteConnections.openWritable("t1", dir.resolve("t1.db"), SqliteLimits.WRITE_DEFAULTS);
    }

    @AfterEach
    void close() throws SQLException {
        tc.close();
    }

    /** Runs {@code sql} (a SELECT) with the values bound and returns its one row, with each value's SQLite type. */
    private List<String> row(String sql, List<Object> positional, Map<String, Object> named) throws Exception {
        CheckedStatement st = StatementPolicy.checkRead(sql);
        try (PreparedStatement ps = tc.connection().prepareStatement(st.sql())) {
            ParameterBinder.bind(ps, st, positional, named);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                List<String> out = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) out.add(rs.getString(i));
                return out;
            }
        }
    }

    private void refused(String sql, List<Object> positional, Map<String, Object> named, String messagePart) throws Exception {
        CheckedStatement st = StatementPolicy.checkRead(sql);
        try (PreparedStatement ps = tc.connection().prepareStatement(st.sql())) {
            assertThatThrownBy(() -> ParameterBinder.bind(ps, st, positional, named))
                    .isInstanceOf(SqlRefusal.class).satisfies(t -> org.assertj.core.api.Assertions.assertThat(((SqlRefusal) t).code().wire()).isEqualTo("invalid_params"))
                    .hasMessageContaining(messagePart);
        }
    }

    @Test
    void bindsEverySupportedTypeWithItsSqliteType() throws Exception {
        List<Object> values = Arrays.asList(null, true, false, 7, 1L << 40, 2.5, "hé", new byte[] {1, 2});
        assertThat(row("SELECT typeof(?1), ?2, ?3, typeof(?4), ?5, typeof(?6), ?7, hex(?8), typeof(?8)", values, null))
                .containsExactly("null", "1", "0", "integer", String.valueOf(1L << 40), "real", "hé", "0102", "blob");
    }

    @Test
    void positionalValuesFillSlotsInOrder() throws Exception {
        assertThat(row("SELECT ?, ?, :x", List.of(1, 2, 3), null)).containsExactly("1", "2", "3");
    }

    @Test
    void namedValueMatchesNameAsWrittenOrBare() throws Exception {
        assertThat(row("SELECT :a, @b, $c", null, Map.of(":a", 1, "b", 2, "$c", 3))).containsExactly("1", "2", "3");
    }

    @Test
    void bareNameFillsEveryPrefixOfThatName() throws Exception {
        assertThat(row("SELECT :a, @a, :a", null, Map.of("a", 5))).containsExactly("5", "5", "5");
    }

    @Test
    void mixedValuesFillPositionalAndNamedSlots() throws Exception {
        assertThat(row("SELECT ?, :x, ?", List.of(1, 3), Map.of("x", 2))).containsExactly("1", "2", "3");
    }

    @Test
    void noParametersNoValues() throws Exception {
        assertThat(row("SELECT 1", List.of(), Map.of())).containsExactly("1");
    }

    @Test
    void aStatementWithSlotsAndNoValuesSaysToSendParams() throws Exception {
        refused("SELECT :name, ?", null, null, "the statement has 2 parameter slot(s) (:name, ?2) and no value was given");
    }

    @Test
    void refusesTooFewPositionalValues() throws Exception {
        refused("SELECT ?, ?", List.of(1), null, "expected 2 positional value(s), got 1");
    }

    @Test
    void refusesTooManyPositionalValues() throws Exception {
        refused("SELECT ?", List.of(1, 2), null, "expected 1");
    }

    @Test
    void refusesUnknownName() throws Exception {
        refused("SELECT :a", null, Map.of("a", 1, "zz", 2), "zz");
    }

    @Test
    void refusesMissingNamedValue() throws Exception {
        refused("SELECT :a, :b", null, Map.of("a", 1), "slot 2 (:b)");
    }

    @Test
    void refusesNamedValuesForPositionalSlot() throws Exception {
        refused("SELECT ?, :a", null, Map.of("a", 1), "expected 1 positional");
    }

    @Test
    void refusesTheSameSlotGivenTwice() throws Exception {
        Map<String, Object> named = new HashMap<>();
        named.put("a", 1);
        named.put(":a", 2);
        refused("SELECT :a", null, named, "more than one value");
    }

    @Test
    void refusesUnsupportedType() throws Exception {
        refused("SELECT ?", List.of(new java.math.BigDecimal("1.5")), null, "BigDecimal");
    }

    @Test
    void refusesValuesForStatementWithoutSlots() throws Exception {
        refused("SELECT 1", List.of(1), null, "expected 0");
    }
}
