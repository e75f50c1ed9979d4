package io.cairn.edge.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Each tenant's share of the log: a burst, then the average, and one tenant's use never takes another's. */
class TenantLogRateTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final TenantLogRate rate = new TenantLogRate(1_000, 10_000, now::get);

    @Test
    void aBurstIsTakenThenTheAverageAndTheRefusalSaysWhenToRetry() {
        for (int i = 0; i < 10; i++) rate.admit("hog", 1_000);
        assertThatThrownBy(() -> rate.admit("hog", 500)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
            assertThat(e.getMessage()).contains("nothing was written", "retry in 500 ms");
        });
        rate.admit("calm", 10_000); // another tenant's share is its own

        now.addAndGet(500_000_000L); // half a second: 500 bytes
        rate.admit("hog", 500);
        assertThatThrownBy(() -> rate.admit("hog", 1)).isInstanceOf(ApiError.class);
        now.addAndGet(60_000_000_000L); // a minute: a full burst again, never more
        rate.admit("hog", 10_000);
        assertThatThrownBy(() -> rate.admit("hog", 1)).isInstanceOf(ApiError.class);
    }

    @Test
    void tryAdmitTakesNothingWhenItRefusesAndSaysHowLongToWait() {
        assertThat(rate.tryAdmit("t", 9_000)).isZero();
        assertThat(rate.tryAdmit("t", 3_000)).as("2,000 bytes short at 1,000 a second").isEqualTo(2_000);
        assertThat(rate.tryAdmit("t", 1_000)).as("the refusal took nothing").isZero();
        assertThat(rate.tryAdmit("t", 0)).as("nothing is always there while not in debt").isZero();
        rate.charge("t", 5_000);
        assertThat(rate.tryAdmit("t", 0)).as("in debt: not even nothing").isEqualTo(5_000);
    }

    @Test
    void aWriteLargerThanTheBurstWaitsForAFullBucketNotForever() {
        now.addAndGet(1);
        rate.admit("big", 50_000);
        assertThatThrownBy(() -> rate.admit("big", 50_000)).isInstanceOf(ApiError.class);
        now.addAndGet(10_000_000_000L);
        rate.admit("big", 50_000);
    }

    /** Outcomes are charged as they come, whatever is left, down to a debt of one burst: the next writes wait it out. */
    @Test
    void outcomesTakeTheShareTooAndTheDebtIsOneBurstAtMost() {
        rate.admit("returns", 100);
        rate.charge("returns", 1_000_000); // a megabyte of results from a 100-byte write
        assertThatThrownBy(() -> rate.admit("returns", 100)).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.extra()).containsEntry("retry_after_ms", 10_100L)); // 10,000 of debt and 100, at 1,000 a second
        rate.admit("calm", 100);
        now.addAndGet(10_100_000_000L);
        rate.admit("returns", 100);
    }

    /** A write that may return rows, sent without waiting, takes an allowance for its outcome, settled when it comes. */
    @Test
    void anUnheardWritesOutcomeIsAllowedForAtAdmissionAndSettledWhenItComes() {
        TenantLogRate big = new TenantLogRate(1L << 20, 4L << 20, now::get); // 1 MiB a second, bursts of 4 MiB
        for (int i = 0; i < 3; i++) big.admitWithOutcome("returns", 100, "c" + i);
        assertThatThrownBy(() -> big.admitWithOutcome("returns", 100, "c3")).as("three outcomes under way hold the burst")
                .isInstanceOf(ApiError.class);
        big.settle("returns", "c0", 200); // a small outcome: its allowance comes back
        big.admitWithOutcome("returns", 100, "c3");
        big.settle("returns", "unknown", 1_000); // another edge's write: charged as it comes
        big.settle("returns", "c1", 200);
        big.admit("returns", 100);
    }
}
