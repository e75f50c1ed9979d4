package io.cairn.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** JDBC parameters follow the client's rules: integers exact within 64 bits, numbers finite, the rest refused when bound. */
class JdbcParametersTest {
    private final JdbcStatement prepared = new JdbcStatement(null, "SELECT ?");

    @Test
    void aNonFiniteNumberIsRefusedWhenBound() {
        assertRefused(() -> prepared.setDouble(1, Double.NaN), "NaN", "the API refuses non-finite numbers");
        assertRefused(() -> prepared.setDouble(1, Double.NEGATIVE_INFINITY), "-Infinity", "the API refuses non-finite numbers");
        assertRefused(() -> prepared.setFloat(1, Float.POSITIVE_INFINITY), "Infinity", "the API refuses non-finite numbers");
        assertRefused(() -> prepared.setObject(1, Double.NaN), "NaN", "the API refuses non-finite numbers");
        assertRefused(() -> prepared.setObject(1, Float.NaN), "NaN", "the API refuses non-finite numbers");
        BigDecimal pastADouble = new BigDecimal("1" + "0".repeat(400) + ".5");
        assertRefused(() -> prepared.setBigDecimal(1, pastADouble), "1000", "the API refuses non-finite numbers");
        assertRefused(() -> JdbcValues.parameter(Double.POSITIVE_INFINITY), "Infinity", "the API refuses non-finite numbers");
    }

    @Test
    void anIntegerPast64BitsIsRefusedNeitherSentAsTextNorRounded() throws SQLException {
        assertRefused(() -> prepared.setObject(1, BigInteger.TWO.pow(64)), "18446744073709551616", "64 bits");
        assertRefused(() -> prepared.setBigDecimal(1, new BigDecimal("9223372036854775808")), "9223372036854775808", "64 bits");
        assertRefused(() -> prepared.setObject(1, new BigDecimal("-9223372036854775809")), "-9223372036854775809", "64 bits");
        assertRefused(() -> prepared.setObject(1, new BigDecimal("1E+400")), "1E+400", "64 bits");
        assertThat(JdbcValues.parameter(new BigDecimal("9223372036854775807"))).isEqualTo(Long.MAX_VALUE);
        assertThat(JdbcValues.parameter(BigInteger.TWO.pow(63).negate())).isEqualTo(Long.MIN_VALUE);
        assertThat(JdbcValues.parameter(new BigDecimal("1E+3"))).isEqualTo(1000L);
        assertThat(JdbcValues.parameter(new BigDecimal("9223372036854775808.5"))).as("a fraction: the nearest double").isEqualTo(0x1p63);
    }

    private interface Binding {
        void run() throws SQLException;
    }

    private static void assertRefused(Binding binding, String value, String reason) {
        SQLException e = catchThrowableOfType(SQLException.class, binding::run);
        assertThat((Throwable) e).as("refused").isNotNull();
        assertThat(e.getSQLState()).isEqualTo("22003");
        assertThat(e.getMessage()).contains(value).contains(reason);
    }
}
