package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextVerdictsTest {
    @Test
    void aVerdictIsKeptForItsText() {
        TextVerdicts<Boolean> v = new TextVerdicts<>(1 << 20);
        assertThat(v.get("SELECT 1")).isNull();
        v.put("SELECT 1", true);
        assertThat(v.get("SELECT 1")).isTrue();
        assertThat(v.get("SELECT 2")).isNull();
        assertThat(v.get(null)).isNull();
    }

    @Test
    void textsLongerThanTheLimitAreNeverKept() {
        TextVerdicts<Boolean> v = new TextVerdicts<>(1 << 20);
        String tooLong = "SELECT '" + "x".repeat(TextVerdicts.MAX_TEXT) + "'";
        v.put(tooLong, true);
        assertThat(v.get(tooLong)).isNull();
    }

    @Test
    void distinctLongTextsCannotHoldMoreThanTheBoundInCharacters() {
        long bound = 100_000;
        TextVerdicts<Boolean> v = new TextVerdicts<>(bound);
        int kept = 0;
        for (int i = 0; i < 1_000; i++) v.put(text(i), true);
        for (int i = 0; i < 1_000; i++) if (v.get(text(i)) != null) kept++;
        assertThat((long) kept * 4_000).isLessThanOrEqualTo(bound);
        assertThat(kept).isPositive(); // the bound keeps what fits, it does not empty the cache
    }

    @Test
    void whatAVerdictHoldsBeyondItsTextCountsTowardsTheBound() {
        TextVerdicts<String> v = new TextVerdicts<>(100_000, String::length);
        int kept = 0;
        for (int i = 0; i < 1_000; i++) v.put("SELECT " + i, "y".repeat(4_000));
        for (int i = 0; i < 1_000; i++) if (v.get("SELECT " + i) != null) kept++;
        assertThat((long) kept * 4_000).isLessThanOrEqualTo(100_000);
    }

    private static String text(int i) {
        return "SELECT '" + i + "x".repeat(4_000) + "'";
    }
}
