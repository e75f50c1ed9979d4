package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThreadSharesTest {
    private static final long MS = 1_000_000L;

    @Test
    void aTenantOverItsShareOfAWindowIsOverAtOnceAndForTheNextWindow() {
        ThreadShares shares = new ThreadShares(1_000 * MS, 200 * MS);
        long t = 0;
        for (int i = 0; i < 20; i++) {
            assertThat(shares.overShare("flood", t)).isFalse();
            shares.spent("flood", 10 * MS, t += 10 * MS);
            shares.spent("calm", MS, t += MS);
        }
        shares.spent("flood", 10 * MS, t += 10 * MS); // 210 ms of the thread in this second
        assertThat(shares.overShare("flood", t)).isTrue();
        assertThat(shares.overShare("calm", t)).isFalse();
        assertThat(shares.overShare("flood", 1_100 * MS)).as("the next window remembers").isTrue();
        assertThat(shares.overShare("flood", 2_200 * MS)).as("a window in the lane, not on the thread: its share is free again").isFalse();
    }

    @Test
    void anIdleGapForgetsTheLastWindow() {
        ThreadShares shares = new ThreadShares(1_000 * MS, 200 * MS);
        shares.spent("flood", 300 * MS, 300 * MS);
        assertThat(shares.overShare("flood", 400 * MS)).isTrue();
        assertThat(shares.overShare("flood", 5_000 * MS)).isFalse();
    }
}
