package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.connectors.snapshot.SnapshotInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotRetentionTest {
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    @Test
    void keepsTheNewestTheNewestOfEachDayInTheWindowAndTheBaseBeforeIt() {
        List<SnapshotInfo> all = new ArrayList<>();
        long offset = 0;
        // Four a day for 40 days, oldest first.
        for (int day = 40; day >= 1; day--) {
            for (int h = 0; h < 4; h++) all.add(snapshot(offset += 10, NOW.minus(Duration.ofDays(day)).plus(Duration.ofHours(h * 5))));
        }
        List<SnapshotInfo> deleted = new SnapshotRetention(5, Duration.ofDays(30)).toDelete(all, NOW);
        List<SnapshotInfo> kept = all.stream().filter(s -> !deleted.contains(s)).toList();

        assertThat(kept).containsAll(all.subList(all.size() - 5, all.size()));
        Instant windowStart = NOW.minus(Duration.ofDays(30));
        List<SnapshotInfo> before = kept.stream().filter(s -> !s.createdAt().isAfter(windowStart)).toList();
        assertThat(before).as("one base before the window").hasSize(1);
        assertThat(before.getFirst().createdAt()).isEqualTo(all.stream().filter(s -> !s.createdAt().isAfter(windowStart))
                .map(SnapshotInfo::createdAt).max(Instant::compareTo).orElseThrow());
        // Every point of the window has a kept snapshot at most a day older than it.
        for (Instant t = windowStart; t.isBefore(NOW); t = t.plus(Duration.ofHours(1))) {
            Instant at = t;
            Instant newest = kept.stream().map(SnapshotInfo::createdAt).filter(c -> !c.isAfter(at)).max(Instant::compareTo).orElseThrow();
            assertThat(Duration.between(newest, at)).isLessThanOrEqualTo(Duration.ofDays(2));
        }
        assertThat(kept.size()).isLessThanOrEqualTo(5 + 31 + 1);
    }

    @Test
    void aTenantWithFewSnapshotsKeepsThemAll() {
        List<SnapshotInfo> all = List.of(snapshot(1, NOW.minus(Duration.ofDays(90))), snapshot(2, NOW.minusSeconds(60)));
        assertThat(new SnapshotRetention(5, Duration.ofDays(30)).toDelete(all, NOW)).isEmpty();
    }

    @Test
    void withoutAWindowOnlyTheNewestAreKept() {
        List<SnapshotInfo> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) all.add(snapshot(i, NOW.minusSeconds(100 - i)));
        assertThat(new SnapshotRetention(3, Duration.ZERO).toDelete(all, NOW)).hasSize(5);
    }

    private static SnapshotInfo snapshot(long offset, Instant at) {
        return new SnapshotInfo("acme", offset, 4096, "00".repeat(32), 100, at);
    }
}
