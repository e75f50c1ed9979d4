package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dates and times as text: one form for every Java type that names the same moment, SQLite's own, which sorts as time does. */
class SqlTimeTest {
    @Test
    void theSameInstantIsTheSameTextWhateverTypeItCameAs() {
        String expected = "2026-12-05 08:15:30.123";
        assertThat(SqlTime.text(Instant.parse("2026-12-05T08:15:30.123Z"))).isEqualTo(expected);
        assertThat(SqlTime.text(OffsetDateTime.parse("2026-12-05T10:15:30.123+02:00"))).as("moved to UTC").isEqualTo(expected);
        assertThat(SqlTime.text(LocalDateTime.parse("2026-12-05T08:15:30.123456789"))).as("cut to SQLite's milliseconds").isEqualTo(expected);
        assertThat(Json.value(OffsetDateTime.parse("2026-12-05T10:15:30.123+02:00")).textValue()).as("what the client sends").isEqualTo(expected);
    }

    @Test
    void wholeSecondsAreWrittenAsCurrentTimestampWritesThem() {
        assertThat(SqlTime.text(Instant.parse("2026-12-05T22:37:20Z"))).isEqualTo("2026-12-05 22:37:20");
        assertThat(SqlTime.text(LocalTime.of(10, 15))).as("not LocalTime's 10:15").isEqualTo("10:15:00");
        assertThat(SqlTime.text(LocalTime.of(10, 15, 0, 500_000_000))).isEqualTo("10:15:00.500");
    }

    @Test
    void theTextSortsAsTheMomentsDo() {
        List<Instant> moments = List.of(Instant.parse("2026-12-05T08:15:30Z"), Instant.parse("2026-12-05T08:15:30.001Z"),
                Instant.parse("2026-12-05T08:15:30.5Z"), Instant.parse("2026-12-05T08:15:31Z"));
        List<String> texts = moments.stream().map(SqlTime::text).toList();
        assertThat(texts).isSorted();
        assertThat(SqlTime.text(OffsetDateTime.parse("2026-12-05T10:15:30+02:00"))).as("08:15Z sorts first").isLessThan(texts.getFirst().concat("0"));
    }

    @Test
    void everyFormSqliteOrIsoWritesIsReadBackAsUtc() {
        Map<String, String> read = Map.of(
                "2026-12-05 08:15:30", "2026-12-05T08:15:30",
                "2026-12-05T08:15:30.123Z", "2026-12-05T08:15:30.123",
                "2026-12-05T10:15:30+02:00", "2026-12-05T08:15:30",
                "2026-12-05 03:15:30.5-0500", "2026-12-05T08:15:30.500",
                "2026-12-05 08:15", "2026-12-05T08:15",
                "2026-12-05", "2026-12-05T00:00");
        read.forEach((text, utc) -> assertThat(SqlTime.parse(text)).as(text).isEqualTo(LocalDateTime.parse(utc)));
        for (Instant i : List.of(Instant.parse("2026-12-05T08:15:30Z"), Instant.parse("2026-12-05T08:15:30.999Z"))) {
            assertThat(new Row(List.of("at"), List.of(SqlTime.text(i))).getInstant("at")).isEqualTo(i);
        }
    }

    @Test
    void aValueThatIsNoDateTimeIsRefusedNamingItsColumn() {
        assertThatThrownBy(() -> SqlTime.parse("yesterday")).isInstanceOf(DateTimeParseException.class);
        assertThatThrownBy(() -> new Row(List.of("at"), List.of(42L)).getInstant("at")).isInstanceOf(DateTimeParseException.class)
                .hasMessageContaining("column at holds 42");
    }
}
