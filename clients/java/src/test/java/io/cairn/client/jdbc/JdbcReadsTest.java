package io.cairn.client.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A ResultSet's typed reads: a value the Java type cannot hold is an error (22003, 22018) naming its column, never a truncated number. */
class JdbcReadsTest {
    private static ResultSet row(Object... values) throws SQLException {
        ResultSet rs = JdbcResultSet.of(List.of("a", "b", "c").subList(0, values.length), List.of(Arrays.asList(values)), null);
        assertThat(rs.next()).isTrue();
        return rs;
    }

    @Test
    void aRealWithAFractionIsNoInteger() throws SQLException {
        ResultSet rs = row(2.5, "2.5");
        for (int column = 1; column <= 2; column++) {
            int c = column;
            assertRefused(() -> rs.getLong(c), "22003", "2.5");
            assertRefused(() -> rs.getInt(c), "22003", "2.5");
            assertRefused(() -> rs.getShort(c), "22003", "2.5");
            assertRefused(() -> rs.getByte(c), "22003", "2.5");
            assertRefused(() -> rs.getObject(c, Long.class), "22003", "2.5");
            assertThat(rs.getDouble(c)).isEqualTo(2.5);
        }
        ResultSet integral = row(2.0, "-7.00", 1e20);
        assertThat(integral.getInt(1)).isEqualTo(2);
        assertThat(integral.getLong(2)).isEqualTo(-7);
        assertRefused(() -> integral.getLong(3), "22003", "1.0E20");
        assertThat(integral.getBoolean(1)).isTrue();
    }

    @Test
    void aTextThatIsNoNumberIs22018NamingTheColumnAndTheValue() throws SQLException {
        ResultSet rs = row(1L, "abc");
        SQLException e = assertRefused(() -> rs.getLong(2), "22018", "'abc'");
        assertThat(e.getMessage()).contains("column 2 (b)");
        assertRefused(() -> rs.getInt("b"), "22018", "column 2 (b)");
        assertRefused(() -> rs.getDouble(2), "22018", "'abc'");
        assertRefused(() -> rs.getBigDecimal(2), "22018", "'abc'");
        assertRefused(() -> rs.getBoolean(2), "22018", "'abc'");
    }

    private interface Read {
        void run() throws SQLException;
    }

    private static SQLException assertRefused(Read read, String state, String text) {
        SQLException e = catchThrowableOfType(SQLException.class, read::run);
        assertThat((Throwable) e).as("refused").isNotNull();
        assertThat(e.getSQLState()).isEqualTo(state);
        assertThat(e.getMessage()).contains(text);
        return e;
    }
}
