package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A tenant's parse checks take at most its share of the edge's CPU; past it the applier decides; another's share is its own. */
class ParseChecksTest {
    private static final long MS = 1_000_000L;

    @Test
    void checksStopAtTheShareAndComeBackWithTime() {
        ParseChecks checks = new ParseChecks();
        long now = 1_000 * MS;
        assertThat(checks.mayCheck("flood", now)).isTrue();
        checks.took("flood", 600 * MS, now); // a burst and more, in one large script
        assertThat(checks.mayCheck("flood", now)).isFalse();
        assertThat(checks.mayCheck("calm", now)).isTrue();
        assertThat(checks.mayCheck("flood", now + 1_000 * MS)).as("50 ms back after a second, 100 owed").isFalse();
        assertThat(checks.mayCheck("flood", now + 3_000 * MS)).isTrue();
    }
}
