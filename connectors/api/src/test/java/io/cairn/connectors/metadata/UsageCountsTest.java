package io.cairn.connectors.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Usage figures add up, and a total read between a flush's days and its totals is raised to what the days show. */
class UsageCountsTest {
    @Test
    void atLeastTakesTheLargerOfEachFigure() {
        UsageCounts totals = new UsageCounts(16, 7, 1, 538, 1091, 5, 9);
        UsageCounts days = new UsageCounts(34, 10, 0, 1150, 2333, 5, 2);
        assertThat(totals.atLeast(days)).isEqualTo(new UsageCounts(34, 10, 1, 1150, 2333, 5, 9));
        assertThat(days.plus(UsageCounts.ZERO)).isEqualTo(days);
    }
}
