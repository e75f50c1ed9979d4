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
        List<SnapshotInfo> deleted = new SnapshotRetention(5, Duration.ofDays(30), SnapshotOptions.DEFAULT_SPREAD).toDelete(all, NOW);
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
        assertThat(kept.size()).isLessThanOrEqualTo(5 + 31 + 1 + SnapshotOptions.DEFAULT_SPREAD);
    }

    @Test
    void aTenantWithFewSnapshotsKeepsThemAll() {
        List<SnapshotInfo> all = List.of(snapshot(1, NOW.minus(Duration.ofDays(90))), snapshot(2, NOW.minusSeconds(60)));
        assertThat(new SnapshotRetention(5, Duration.ofDays(30), SnapshotOptions.DEFAULT_SPREAD).toDelete(all, NOW)).isEmpty();
    }

    @Test
    void withoutAWindowOnlyTheNewestAreKept() {
        List<SnapshotInfo> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) all.add(snapshot(i, NOW.minusSeconds(100 - i)));
        assertThat(new SnapshotRetention(3, Duration.ZERO, SnapshotOptions.DEFAULT_SPREAD).toDelete(all, NOW)).hasSize(5);
    }

    @Test
    void aBusyDayKeepsSnapshotsSpreadOverItsLogNotJustTheNewest() {
        // Ten snapshots in the last hour, 10,000 offsets apart: all of them stay, so a point anywhere in that
        // hour replays at most 10,000 records (before: the newest 5 and one a day, so half of it from the start).
        List<SnapshotInfo> all = new ArrayList<>();
        for (int i = 1; i <= 10; i++) all.add(snapshot(i * 10_000L, NOW.minus(Duration.ofMinutes(60 - i))));
        assertThat(new SnapshotRetention(5, Duration.ofDays(30), SnapshotOptions.DEFAULT_SPREAD).toDelete(all, NOW)).isEmpty();
    }

    @Test
    void withoutASpreadABusyDayKeepsTheNewestAndOneADay() {
        List<SnapshotInfo> all = new ArrayList<>();
        for (int i = 1; i <= 10; i++) all.add(snapshot(i * 10_000L, NOW.minus(Duration.ofMinutes(60 - i))));
        assertThat(new SnapshotRetention(5, Duration.ofDays(30), 0).toDelete(all, NOW)).containsExactlyElementsOf(all.subList(0, 5));
    }

    @Test
    void pruningAfterEverySnapshotKeepsABoundedNumberEvenlySpread() {
        SnapshotRetention retention = new SnapshotRetention(5, Duration.ofDays(30), SnapshotOptions.DEFAULT_SPREAD);
        List<SnapshotInfo> stored = new ArrayList<>();
        long offset = 0;
        // 2,000 snapshots in the last day, at uneven distances, pruned after each one as the snapshotter does.
        for (int i = 0; i < 2_000; i++) {
            offset += 5_000 + (i * 7_919L) % 10_000;
            stored.add(snapshot(offset, NOW.minus(Duration.ofDays(1)).plus(Duration.ofSeconds(40L * i))));
            stored.removeAll(retention.toDelete(stored, NOW.minus(Duration.ofDays(1)).plus(Duration.ofSeconds(40L * i + 1))));
        }
        assertThat(stored.size()).isLessThanOrEqualTo(5 + 2 + 1 + SnapshotOptions.DEFAULT_SPREAD);
        long span = stored.getLast().offset() - stored.getFirst().offset();
        assertThat(stored.getFirst().offset()).as("the oldest snapshot of the day is never let go").isEqualTo(5_000);
        for (int i = 1; i < stored.size(); i++) {
            assertThat(stored.get(i).offset() - stored.get(i - 1).offset()).as("gap before %s", stored.get(i).offset())
                    .isLessThanOrEqualTo(4 * span / (SnapshotOptions.DEFAULT_SPREAD - 1));
        }
    }

    private static SnapshotInfo snapshot(long offset, Instant at) {
        return new SnapshotInfo("acme", offset, 4096, "00".repeat(32), 100, at);
    }
}
