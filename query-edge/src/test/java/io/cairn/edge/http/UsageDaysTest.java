package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The days of {@code GET /v1/tenants/{t}/usage}: plain {@code YYYY-MM-DD} from 1970 to 9999, else 400 naming the field. */
class UsageDaysTest {
    @Test
    void aPlainDayIsTakenAndNoneGivesTheFallback() {
        LocalDate fallback = LocalDate.of(2026, 1, 1);
        assertThat(FleetRoutes.day("2026-11-30", "to", fallback)).isEqualTo(LocalDate.of(2026, 11, 30));
        assertThat(FleetRoutes.day("1970-01-01", "from", fallback)).isEqualTo(LocalDate.EPOCH);
        assertThat(FleetRoutes.day(null, "to", fallback)).isEqualTo(fallback);
    }

    @ParameterizedTest
    @ValueSource(strings = {"+999999999-12-31", "-999999999-01-01", "+10000-01-01", "0001-01-01", "1969-12-31", "2026-02-30",
            "2026-1-5", "20261130", "2026-11-30T00:00", " 2026-11-30"})
    void anythingElseIsRefusedNamingTheField(String value) {
        assertThatThrownBy(() -> FleetRoutes.day(value, "from", LocalDate.EPOCH)).isInstanceOf(ApiError.class)
                .hasMessageContaining("\"from\" must be a date like 2026-11-30 (UTC), from 1970-01-01 to 9999-12-31");
    }
}
