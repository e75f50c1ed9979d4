package io.cairn.client;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;

/**
 * The one text form both clients (this one and the JDBC driver) store dates and times in: SQLite's own,
 * {@code YYYY-MM-DD HH:MM:SS} with {@code .SSS} when the milliseconds are not zero, an instant in UTC. It is what
 * {@code CURRENT_TIMESTAMP} and {@code datetime()} write, so a value bound from Java equals, and sorts with,
 * one SQL made; SQLite's date functions read it; milliseconds are SQLite's precision (finer is cut off).
 */
public final class SqlTime {
    private static final DateTimeFormatter WRITTEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    /** ISO-8601 or SQLite's text: a space or a T, a fraction of any length, an optional zone (Z or an offset). */
    private static final DateTimeFormatter READ = new DateTimeFormatterBuilder().append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().appendLiteral(' ').optionalEnd().optionalStart().appendLiteral('T').optionalEnd()
            .appendPattern("HH:mm").optionalStart().appendPattern(":ss").optionalEnd()
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd().toFormatter();

    private SqlTime() {}

    /** An instant as its UTC wall time. */
    public static String text(Instant t) {
        return text(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    /** A date-time with an offset as the UTC wall time of its instant (10:15+02:00 is stored as 08:15). */
    public static String text(OffsetDateTime t) {
        return text(t.toInstant());
    }

    /** A wall time as it is (no zone is assumed or added). */
    public static String text(LocalDateTime t) {
        LocalDateTime ms = t.truncatedTo(ChronoUnit.MILLIS);
        return ms.getNano() == 0 ? ms.format(WRITTEN) : ms.format(MILLIS);
    }

    /** A time of day, {@code HH:MM:SS} with {@code .SSS} when the milliseconds are not zero. */
    public static String text(LocalTime t) {
        return text(t.atDate(LocalDate.EPOCH)).substring(11);
    }

    /**
     * A stored text as a UTC wall time (or a wall time, when it names no zone): ISO-8601 or SQLite's form, a
     * date alone at its midnight; one with an offset is moved to UTC, as it was written.
     *
     * @throws DateTimeParseException when it is no date-time
     */
    public static LocalDateTime parse(String text) {
        String s = text.strip();
        if (s.length() == 10) return LocalDate.parse(s).atStartOfDay();
        var parsed = READ.parse(s);
        LocalDateTime wall = LocalDateTime.of(LocalDate.from(parsed), LocalTime.from(parsed));
        return parsed.isSupported(ChronoField.OFFSET_SECONDS)
                ? wall.atOffset(ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS))).atZoneSameInstant(ZoneOffset.UTC).toLocalDateTime()
                : wall;
    }
}
