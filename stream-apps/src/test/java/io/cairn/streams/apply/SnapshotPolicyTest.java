package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SnapshotPolicyTest {
    @Test
    void aTenantIsDueEveryNWritesAndCountsAfresh() {
        SnapshotPolicy p = new SnapshotPolicy(3);
        assertThat(p.applied("a")).isFalse();
        assertThat(p.applied("a")).isFalse();
        assertThat(p.applied("b")).isFalse();
        assertThat(p.applied("a")).isTrue();
        assertThat(p.tracked()).as("a counts afresh, b still counted").isEqualTo(1);
        assertThat(p.applied("a")).isFalse();
    }

    @Test
    void aSnapshotAskedForOtherwiseStartsTheCountAgain() {
        SnapshotPolicy p = new SnapshotPolicy(2);
        p.applied("a");
        p.reset("a");
        assertThat(p.applied("a")).isFalse();
        assertThat(p.applied("a")).isTrue();
        assertThatThrownBy(() -> new SnapshotPolicy(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
