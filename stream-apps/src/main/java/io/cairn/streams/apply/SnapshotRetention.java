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
 * than it and replays at most a day of the tenant's log; and the newest taken before the window began, the
 * base its oldest points start from. Everything else may go. A pure function of the list and the clock.
 */
record SnapshotRetention(int keep, Duration window) {
    SnapshotRetention {
        if (keep < 1) throw new IllegalArgumentException("keep must be >= 1");
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
        return ascending.stream().filter(s -> !kept.contains(s.offset())).toList();
    }
}
