package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Idleness by the wall clock and the log's time: what {@link TenantDatabasePool#closeIdle} closes. */
class IdleClocksTest {
    private static final long S = 1_000_000_000L;
    private final IdleClocks clocks = new IdleClocks(Duration.ofSeconds(10));

    @Test
    void aTenantUsedWithinTheIdleTimeIsNeverIdle() {
        clocks.taken(0, 1_000, 0);
        assertThat(clocks.idle(0, 1_000, 0, 9 * S)).isFalse();
        assertThat(clocks.idle(0, 1_000, 0, 10 * S)).isTrue(); // and the partition took nothing since
    }

    @Test
    void anApplierBehindItsLogKeepsATenantWrittenEverySecondOpen() {
        // The applier takes records written a second apart in the log, but 20 s apart by the wall clock.
        clocks.taken(0, 1_000, 0);
        for (long wall = 1; wall <= 19; wall++) clocks.taken(0, 1_000 + wall * 50, wall * S); // others' records, 50 ms of log each
        assertThat(clocks.idle(0, 1_000, 0, 19 * S)).as("1 s of log time passed, not 10").isFalse();
    }

    @Test
    void aTenantQuietInTheLogIsIdleThoughOthersAreWrittenWhileTheApplierIsBehind() {
        clocks.taken(0, 1_000, 0);
        clocks.taken(0, 11_000, 12 * S); // a record written 10 s after the tenant's last
        assertThat(clocks.idle(0, 1_000, 0, 12 * S)).isTrue();
        assertThat(clocks.idle(0, 10_000, 0, 12 * S)).as("its last record 1 s before that one").isFalse();
    }

    @Test
    void aPartitionThatTookNothingForTheIdleTimeClosesByTheWallClock() {
        clocks.taken(0, 1_000, 0);
        clocks.taken(0, 2_000, 5 * S);
        assertThat(clocks.idle(0, 1_000, 0, 14 * S)).isFalse();
        assertThat(clocks.idle(0, 1_000, 0, 15 * S)).as("caught up and quiet, or stopped").isTrue();
    }

    @Test
    void partitionsKeepTheirOwnClocks() {
        clocks.taken(0, 1_000, 0);
        clocks.taken(0, 1_500, 11 * S);
        clocks.taken(1, 60_000, 11 * S); // another partition, caught up: its records are a minute newer
        assertThat(clocks.idle(0, 1_000, 0, 11 * S)).isFalse();
    }

    @Test
    void aDatabaseThatTookNoRecordFollowsTheWallClock() {
        assertThat(clocks.idle(-1, -1, 0, 9 * S)).isFalse();
        assertThat(clocks.idle(-1, -1, 0, 10 * S)).isTrue();
        assertThat(clocks.idle(3, 1_000, 0, 10 * S)).as("a partition it never saw").isTrue();
    }
}
