package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the client sends a statement's values: exact where JSON can carry them, refused where it would guess. */
class ParametersTest {
    @Test
    void aBigDecimalWithoutAFractionIsSentExact() {
        assertThat(Json.value(new BigDecimal("5")).toString()).isEqualTo("5");
        assertThat(Json.value(new BigDecimal("9007199254740993")).toString()).as("past a double's 2^53").isEqualTo("9007199254740993");
        assertThat(Json.value(new BigDecimal(Long.MAX_VALUE)).toString()).isEqualTo(Long.toString(Long.MAX_VALUE));
        assertThat(Json.value(new BigDecimal("1.25")).toString()).isEqualTo("1.25");
    }

    @Test
    void aNonFiniteNumberIsRefusedNotSentAsTheStringNaN() {
        BigDecimal pastADouble = new BigDecimal("1" + "0".repeat(400) + ".5");
        for (Object v : new Object[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Float.NaN, Float.NEGATIVE_INFINITY, pastADouble}) {
            assertThatThrownBy(() -> Json.value(v)).as("%s", v).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(v.toString()).hasMessageContaining("the API refuses non-finite numbers");
        }
        assertThatThrownBy(() -> Json.statement(Statement.named("SELECT :x", Map.of("x", Double.NaN)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(Json.value(Double.MAX_VALUE).isNumber()).isTrue();
        assertThat(Json.value(-0.0f).isNumber()).isTrue();
    }

    @Test
    void aTypeWithoutAnAgreedFormIsRefusedNotSentAsItsToString() {
        assertThatThrownBy(() -> Json.value(new int[] {1, 2})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[I");
        assertThatThrownBy(() -> Json.value(java.util.Optional.of(5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.value(new java.util.Date(0))).as("which zone? send an Instant").isInstanceOf(IllegalArgumentException.class);
        assertThat(Json.value(java.time.LocalDate.of(2026, 11, 30)).textValue()).isEqualTo("2026-11-30");
        assertThat(Json.value(java.util.UUID.fromString("00000000-0000-0000-0000-000000000001")).textValue()).endsWith("0001");
    }

    @Test
    void aNamedParameterMayBeNull() {
        Map<String, Object> values = new HashMap<>();
        values.put("a", null);
        Statement s = Statement.named("SELECT :a", values);
        assertThat(s.named()).containsEntry("a", null);
        assertThat(Json.statement(s).toString()).contains("\"a\":null");
    }

    @Test
    void returningIsAClauseNotAWordInANameOrAString() {
        assertThat(Sql.hasReturning("INSERT INTO t VALUES (1) RETURNING id")).isTrue();
        assertThat(Sql.hasReturning("delete from t returning *")).isTrue();
        assertThat(Sql.hasReturning("UPDATE loans SET returning_at = 'returning' WHERE id = 1")).isFalse();
        assertThat(Sql.hasReturning("UPDATE t SET \"returning\" = 1 -- returning")).isFalse();
    }
}
