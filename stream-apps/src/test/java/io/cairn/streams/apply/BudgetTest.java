package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Time may decide where a record runs (the quick budget), never its verdict (the full budget). */
class BudgetTest {
    @Test
    void theQuickBudgetBoundsTheSharedThreadsTimeAndTheFullOneCountsOnlyTheData() {
        assertThat(Budget.QUICK.quick()).isTrue();
        assertThat(Budget.QUICK.wallNanos()).isEqualTo(Budget.QUICK_WALL_NANOS).isLessThanOrEqualTo(1_000_000_000L);
        assertThat(Budget.FULL.quick()).isFalse();
        assertThat(Budget.FULL.wallNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aVerdictsBudgetCannotCountTime() {
        assertThatThrownBy(() -> new Budget(1_000, 1_000, false, 5_000_000L)).isInstanceOf(IllegalArgumentException.class);
    }
}
