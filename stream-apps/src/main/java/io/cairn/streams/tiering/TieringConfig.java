package io.cairn.streams.tiering;

import java.time.Duration;
import java.util.Objects;

/**
 * When the tiering job makes tenants cold.
 *
 * @param coldAfter a hot tenant neither read nor written for this long is frozen (default 24 h)
 * @param every how often the job looks for such tenants (default 1 min)
 * @param freezesPerSecond at most this many Freeze records a second (default 20): each costs a copy
 *     and an upload, and a first round over a large idle fleet must not flood the snapshotters
 */
public record TieringConfig(Duration coldAfter, Duration every, int freezesPerSecond) {
    public TieringConfig {
        Objects.requireNonNull(coldAfter, "coldAfter");
        Objects.requireNonNull(every, "every");
        if (coldAfter.isNegative() || coldAfter.isZero()) throw new IllegalArgumentException("cold_after must be positive");
        if (every.isNegative() || every.isZero()) throw new IllegalArgumentException("every must be positive");
        if (freezesPerSecond < 1) throw new IllegalArgumentException("freezes_per_second must be >= 1");
    }

    public static TieringConfig defaults() {
        return new TieringConfig(Duration.ofHours(24), Duration.ofMinutes(1), 20);
    }

    public TieringConfig withColdAfter(Duration d) {
        return new TieringConfig(d, every, freezesPerSecond);
    }

    public TieringConfig withEvery(Duration d) {
        return new TieringConfig(coldAfter, d, freezesPerSecond);
    }
}
