package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Statement;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotPolicyTest {
    @Test
    void aTenantIsDueEveryNWritesAndCountsAfresh() {
        SnapshotPolicy p = new SnapshotPolicy(3, Long.MAX_VALUE);
        assertThat(p.applied("a", 10)).isFalse();
        assertThat(p.applied("a", 10)).isFalse();
        assertThat(p.applied("b", 10)).isFalse();
        assertThat(p.applied("a", 10)).isTrue();
        assertThat(p.tracked()).as("a counts afresh, b still counted").isEqualTo(1);
        assertThat(p.applied("a", 10)).isFalse();
    }

    @Test
    void aTenantWritingLittleButLargeIsDueByBytes() {
        SnapshotPolicy p = new SnapshotPolicy(1_000, 100);
        assertThat(p.applied("a", 60)).isFalse();
        assertThat(p.applied("a", 60)).as("120 bytes >= 100").isTrue();
        assertThat(p.applied("a", 60)).isFalse();
    }

    @Test
    void aBigTenantIsDueAfterWritesInProportionToItsSize() {
        long gib = 1L << 30;
        SnapshotPolicy p = new SnapshotPolicy(3, 1_000);
        int writes = 0;
        while (!p.applied("big", 10, () -> gib)) writes++;
        assertThat(writes + 1).as("3 writes per 64 MiB of a 1 GiB tenant").isEqualTo(48);
        for (int i = 0; i < 2; i++) assertThat(p.applied("small", 10, () -> 60_000)).isFalse();
        assertThat(p.applied("small", 10, () -> 60_000)).as("a small tenant: as the count says").isTrue();
        long bytes = 0;
        SnapshotPolicy byBytes = new SnapshotPolicy(1_000_000, 1_000);
        while (!byBytes.applied("big", 100, () -> gib)) bytes += 100;
        assertThat(bytes + 100).as("1,000 bytes per 256 MiB of it").isEqualTo(4_000);
    }

    @Test
    void aSnapshotAskedForOtherwiseStartsTheCountAgain() {
        SnapshotPolicy p = new SnapshotPolicy(2, Long.MAX_VALUE);
        p.applied("a", 1);
        p.reset("a");
        assertThat(p.applied("a", 1)).isFalse();
        assertThat(p.applied("a", 1)).isTrue();
        assertThatThrownBy(() -> new SnapshotPolicy(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SnapshotPolicy(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBatchWeighsItsSqlAndParameters() {
        Statement s = Statement.newBuilder().setSql("INSERT INTO t VALUES (?, ?, ?, :x)") // 34 chars
                .setPositional(Arrays.asList(null, "hello", ByteBuffer.wrap(new byte[100])))
                .setNamed(Map.of(":x", 42L)).build();
        assertThat(SnapshotPolicy.bytesOf(ExecuteBatch.newBuilder().setStatements(List.of(s)).build()))
                .isEqualTo(34 + 1 + 5 + 100 + 2 + 8);
    }
}
