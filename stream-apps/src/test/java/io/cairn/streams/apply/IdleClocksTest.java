package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Idleness by the wall clock and the log's time: what {@link TenantDatabasePool#closeIdle} closes. */
class IdleClocksTest {
    private static final long S = 1_000_000_000L;
    private final IdleClocks clocks = new IdleClocks(Duration.ofSeconds(10));

    /** The applier took a record that came in at {@code ingressMs}, {@code lagMs} after it came in, at {@code nanos}. */
    private void taken(int partition, long ingressMs, long nanos, long lagMs) {
        clocks.taken(partition, ingressMs, nanos, ingressMs + lagMs);
    }

    @Test
    void aTenantUsedWithinTheIdleTimeIsNeverIdle() {
        taken(0, 1_000, 0, 5);
        assertThat(clocks.idle(0, 1_000, 0, 9 * S)).isFalse();
        assertThat(clocks.idle(0, 1_000, 0, 10 * S)).isTrue(); // and the partition, caught up, took nothing since
    }

    @Test
    void anApplierBehindItsLogKeepsATenantWrittenEverySecondOpen() {
        // The applier takes records written a second apart in the log, but 20 s apart by the wall clock.
        taken(0, 1_000, 0, 30_000);
        for (long wall = 1; wall <= 19; wall++) taken(0, 1_000 + wall * 50, wall * S, 30_000 + wall * 950); // others' records, 50 ms of log each
        assertThat(clocks.idle(0, 1_000, 0, 19 * S)).as("1 s of log time passed, not 10").isFalse();
    }

    @Test
    void aTenantQuietInTheLogIsIdleThoughOthersAreWrittenWhileTheApplierIsBehind() {
        taken(0, 1_000, 0, 30_000);
        taken(0, 11_000, 12 * S, 32_000); // a record written 10 s after the tenant's last
        assertThat(clocks.idle(0, 1_000, 0, 12 * S)).isTrue();
        assertThat(clocks.idle(0, 10_000, 0, 12 * S)).as("its last record 1 s before that one").isFalse();
    }

    @Test
    void aPartitionCaughtUpThatTookNothingForTheIdleTimeClosesByTheWallClock() {
        taken(0, 1_000, 0, 10);
        taken(0, 2_000, 5 * S, 10);
        assertThat(clocks.idle(0, 1_000, 0, 14 * S)).isFalse();
        assertThat(clocks.idle(0, 1_000, 0, 15 * S)).as("caught up and quiet").isTrue();
    }

    @Test
    void aPartitionSilentWhileBehindIsWaitingItsTurnNotQuiet() {
        taken(0, 1_000, 0, 24_000); // the newest record it took had come in 24 s before
        taken(0, 2_000, 5 * S, 24_000);
        assertThat(clocks.idle(0, 1_000, 0, 15 * S)).as("10 s without a record, behind").isFalse();
        assertThat(clocks.idle(0, 1_000, 0, (5 + 10 * IdleClocks.STALLED) * S - 1)).isFalse();
        assertThat(clocks.idle(0, 1_000, 0, (5 + 10 * IdleClocks.STALLED) * S)).as("stalled that long: closed").isTrue();
    }

    @Test
    void behindIsJudgedByTheNewestRecordTaken() {
        taken(0, 1_000, 0, 10);
        taken(0, 900, S, 4_000); // an older record (another edge's clock, or a redelivery) taken late
        assertThat(clocks.idle(0, 900, 0, 11 * S)).as("the partition's newest came in 3.9 s before: caught up").isTrue();
    }

    @Test
    void partitionsKeepTheirOwnClocks() {
        taken(0, 1_000, 0, 30_000);
        taken(0, 1_500, 11 * S, 40_000);
        taken(1, 60_000, 11 * S, 10); // another partition, caught up: its records are a minute newer
        assertThat(clocks.idle(0, 1_000, 0, 11 * S)).isFalse();
    }

    @Test
    void aDatabaseThatTookNoRecordFollowsTheWallClock() {
        assertThat(clocks.idle(-1, -1, 0, 9 * S)).isFalse();
        assertThat(clocks.idle(-1, -1, 0, 10 * S)).isTrue();
        assertThat(clocks.idle(3, 1_000, 0, 10 * S)).as("a partition it never saw").isTrue();
    }
}
