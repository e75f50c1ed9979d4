package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotInfo;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which of a tenant's snapshots are kept: the newest {@code keep}; within the restore window, the newest
 * of each day (UTC), so a restore to any point of the window starts from a snapshot at most a day older
 * than it and replays at most a day of the tenant's log; within the window too, up to {@code spread}
 * more spread evenly over the log, so a point of a busy day does not replay the whole day (see
 * {@link #evenlySpread(List)}); and the newest taken before the window began, the base its oldest points start
 * from. Everything else may go. A pure function of the list and the clock.
 *
 * @param spread at most this many snapshots of the window are kept for their spread over the log, besides the
 *     newest {@code keep} and one a day; 0 keeps none for it. With the default, 32, a tenant snapshotted every
 *     10,000 writes keeps every snapshot of its last 320,000 writes or more, so a restore, fork or as-of read of
 *     any point there replays at most about 10,000 records.
 */
record SnapshotRetention(int keep, Duration window, int spread) {
    SnapshotRetention {
        if (keep < 1) throw new IllegalArgumentException("keep must be >= 1");
        if (spread < 0) throw new IllegalArgumentException("spread must be >= 0");
    }

    /** The snapshots of {@code ascending} (by offset) that may be deleted at {@code now}. */
    List<SnapshotInfo> toDelete(List<SnapshotInfo> ascending, Instant now) {
        Set<Long> kept = new HashSet<>();
        for (int i = Math.max(0, ascending.size() - keep); i < ascending.size(); i++) kept.add(ascending.get(i).offset());
        Instant windowStart = now.minus(window);
        Set<Long> days = new HashSet<>();
        boolean baseKept = false;
        for (SnapshotInfo s : ascending.reversed()) {
            if (s.createdAt().isAfter(windowStart)) {
                if (days.add(s.createdAt().atZone(ZoneOffset.UTC).toLocalDate().toEpochDay())) kept.add(s.offset());
            } else if (!baseKept) {
                baseKept = true;
                kept.add(s.offset());
            }
        }
        kept.addAll(evenlySpread(ascending.stream().filter(s -> s.createdAt().isAfter(windowStart)).toList()));
        return ascending.stream().filter(s -> !kept.contains(s.offset())).toList();
    }

    /**
     * At most {@code spread} offsets of {@code ascending}, spread over the log: the offsets are cut into
     * ranges of 2^k (the smallest k that makes at most {@code spread} ranges hold a snapshot) and the oldest
     * snapshot of each range is kept. So any point has a kept snapshot at most two ranges before it; and as
     * snapshots are added, a range of 2^(k+1) keeps the oldest of the two ranges of 2^k it joins, one already
     * kept: the choice only thins, it never asks back for a snapshot it let go.
     */
    private Set<Long> evenlySpread(List<SnapshotInfo> ascending) {
        if (spread == 0) return Set.of();
        long range = 1;
        while (ranges(ascending, range) > spread) range <<= 1;
        Set<Long> kept = new HashSet<>();
        long last = Long.MIN_VALUE;
        for (SnapshotInfo s : ascending) {
            long r = Math.floorDiv(s.offset(), range);
            if (r != last) kept.add(s.offset());
            last = r;
        }
        return kept;
    }

    private static long ranges(List<SnapshotInfo> ascending, long range) {
        return ascending.stream().mapToLong(s -> Math.floorDiv(s.offset(), range)).distinct().count();
    }
}
