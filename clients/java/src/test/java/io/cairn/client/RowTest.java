package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A row's typed reads: a value the Java type cannot hold is an error, never a truncated number. */
class RowTest {
    private static Row row(Object... values) {
        return new Row(List.of("a", "b", "c").subList(0, values.length), Arrays.asList(values));
    }

    @Test
    void aRealWithAFractionIsNoLong() {
        assertThatThrownBy(() -> row(2.5).getLong("a")).isInstanceOf(ArithmeticException.class).hasMessageContaining("2.5");
        assertThatThrownBy(() -> row(-0.5).getLong("a")).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> row("2.5").getLong("a")).isInstanceOf(ArithmeticException.class).hasMessageContaining("2.5");
        assertThatThrownBy(() -> row(1e20).getLong("a")).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> row("9223372036854775808").getLong("a")).isInstanceOf(ArithmeticException.class);
        assertThat(row(2.0).getLong("a")).isEqualTo(2L);
        assertThat(row(" 42 ").getLong("a")).isEqualTo(42L);
        assertThat(row("7.0").getLong("a")).isEqualTo(7L);
        assertThat(row(Long.MIN_VALUE).getLong("a")).isEqualTo(Long.MIN_VALUE);
        assertThat(row((Object) null).getLong("a")).isNull();
    }

    @Test
    void aTextThatIsNoNumberIsAnErrorNamingTheColumnAndTheValue() {
        assertThatThrownBy(() -> row(1L, "abc").getLong("b")).isInstanceOf(IllegalArgumentException.class)
                .isNotInstanceOf(NumberFormatException.class).hasMessageContaining("column b").hasMessageContaining("'abc'");
        assertThatThrownBy(() -> row("abc").getDouble("a")).isInstanceOf(IllegalArgumentException.class)
                .isNotInstanceOf(NumberFormatException.class).hasMessageContaining("column a").hasMessageContaining("'abc'");
        assertThatThrownBy(() -> row("NaN").getDouble("a")).as("Java's syntax, not SQL's").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> row("1f").getDouble("a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> row((Object) new byte[] {1}).getLong("a")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blob");
        assertThatThrownBy(() -> row("1e400").getDouble("a")).isInstanceOf(ArithmeticException.class);
        assertThat(row(" 2.5 ").getDouble("a")).isEqualTo(2.5);
        assertThat(row(3L).getDouble("a")).isEqualTo(3.0);
    }

    @Test
    void aNameTwoColumnsShareReadsTheFirst() {
        Row r = new Row(List.of("a", "a"), List.of(1L, 2L));
        assertThat(r.get("a")).isEqualTo(1L);
        assertThat(r.get(1)).isEqualTo(2L);
    }
}
