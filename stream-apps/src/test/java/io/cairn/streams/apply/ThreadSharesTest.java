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

    /**
     * A tenant writing steadily, alone on a thread that is otherwise idle, keeps its records there however slow the host
     * makes each: nobody waits behind them. Once others keep the thread more than half busy, the same use is over its share.
     */
    @Test
    void aTenantOverItsShareIsSentOnlyWhileTheThreadIsMoreThanHalfBusy() {
        ThreadShares shares = new ThreadShares(1_000 * MS, 200 * MS);
        long t = 0;
        for (int i = 0; i < 200; i++) shares.spent("steady", 1_200_000L, t += 5 * MS); // 200 writes a second, 1.2 ms each
        assertThat(shares.overShare("steady", t)).as("240 ms of a thread busy a quarter of the time").isFalse();
        assertThat(shares.overShare("steady", t + 500 * MS)).as("nor in the next window").isFalse();

        ThreadShares busy = new ThreadShares(1_000 * MS, 200 * MS);
        t = 0;
        for (int i = 0; i < 200; i++) {
            busy.spent("steady", 1_200_000L, t += 2 * MS);
            busy.spent("others", 2_800_000L, t += 3 * MS); // the thread busy four fifths of the time
        }
        assertThat(busy.overShare("steady", t)).isTrue();
        assertThat(busy.overShare("others", t)).as("and so is the tenant that kept it busy").isTrue();
        assertThat(busy.overShare("steady", t + 500 * MS)).as("the next window remembers").isTrue();
    }

    /** A record SQLite could not stop (a second parsing one full-text query): its tenant's writes go to the lane for 30 times as long. */
    @Test
    void aRecordThatOverranTheBudgetByFarSendsItsTenantToTheLaneForThirtyTimesAsLong() {
        ThreadShares shares = new ThreadShares(1_000 * MS, 200 * MS);
        shares.spent("bomb", 1_000 * MS, 1_000 * MS);
        shares.spent("slow", 300 * MS, 1_000 * MS); // past the wall, but as a budget stopped at a step may be: windows only
        assertThat(shares.overShare("bomb", 20_000 * MS)).as("long after its windows").isTrue();
        assertThat(shares.overShare("slow", 20_000 * MS)).isFalse();
        assertThat(shares.overShare("bomb", 30_999 * MS)).isTrue();
        assertThat(shares.overShare("bomb", 31_001 * MS)).as("over after 30 s").isFalse();

        shares.spent("bomb", 300_000 * MS, 400_000 * MS);
        assertThat(shares.overShare("bomb", 7_599_000 * MS)).as("at most two hours").isTrue();
        assertThat(shares.overShare("bomb", 7_601_000 * MS)).isFalse();
    }

    @Test
    void anIdleGapForgetsTheLastWindow() {
        ThreadShares shares = new ThreadShares(1_000 * MS, 200 * MS);
        shares.spent("flood", 300 * MS, 300 * MS);
        assertThat(shares.overShare("flood", 400 * MS)).isTrue();
        assertThat(shares.overShare("flood", 5_000 * MS)).isFalse();
    }

    @Test
    void onlyTheWritesOfATenantOverItsShareGoToTheLane() {
        ThreadShares shares = new ThreadShares(1_000 * MS, 200 * MS);
        shares.spent("busy", 300 * MS, 300 * MS);
        assertThat(shares.sendsToLane(Commands.execute("busy", "INSERT INTO t VALUES (1)"), 310 * MS)).isTrue();
        assertThat(shares.sendsToLane(Commands.command("busy", io.cairn.topics.avro.Sealed.newBuilder().setKeyId("dk")
                .setCiphertext(java.nio.ByteBuffer.wrap(new byte[] {1})).build()), 310 * MS)).as("a sealed write").isTrue();
        // In the lane a Frozen is only recorded: a freeze asked for right after the burst would never finish
        assertThat(shares.sendsToLane(Commands.command("busy", io.cairn.topics.avro.Freeze.newBuilder().build()), 310 * MS)).isFalse();
        assertThat(shares.sendsToLane(Commands.command("busy", io.cairn.topics.avro.Frozen.newBuilder().setSnapshot(
                io.cairn.topics.avro.SnapshotRefSpec.newBuilder().setOffset(1).setSizeBytes(1).setStoredBytes(1).setSha256("00").setKey("k")
                        .setTakenAtMs(1).build()).build()), 310 * MS)).isFalse();
        assertThat(shares.sendsToLane(Commands.delete("busy"), 310 * MS)).isFalse();
        assertThat(shares.sendsToLane(Commands.execute("calm", "INSERT INTO t VALUES (1)"), 310 * MS)).isFalse();
    }
}
