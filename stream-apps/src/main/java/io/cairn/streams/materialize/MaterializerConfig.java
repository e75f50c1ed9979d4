package io.cairn.streams.materialize;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the materializer runs.
 *
 * @param applicationId Kafka Streams application id (its consumer group). A new id starts from the
 *     topics' beginning: that is how a table is rebuilt from nothing.
 * @param stateDir Kafka Streams' state directory (it keeps no data there, only task directories)
 * @param flushInterval how often changes that matter at once are written out: a new tenant, a deletion,
 *     a change of tier, keys, schema version or snapshot. Default 1 s.
 * @param countersInterval how long a change of counters only (position, size, last write, write
 *     counts) and access reports may wait: everything buffered is written out, and then offsets
 *     committed, this often. A busy tenant costs one tenant write per interval instead of one per
 *     flush. Default 10 s, the edge's access window (the bench measured the cost of 2 s: see
 *     bench/RESULTS.md, issue 11).
 * @param concurrency writes to the metadata store in flight at once. Default 16.
 * @param retryFor how long a write failing with a retriable error is retried (backoff up to 30 s)
 *     before the stream thread gives up and is replaced (it then starts again from the last commit).
 *     Default 4 minutes, below Kafka's 5-minute poll interval.
 * @param instanceId Kafka static membership id, or null for dynamic membership
 */
public record MaterializerConfig(String applicationId, Path stateDir, Duration flushInterval, Duration countersInterval, int concurrency,
        Duration retryFor, String instanceId) {

    public MaterializerConfig {
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(stateDir, "stateDir");
        if (flushInterval.isNegative() || flushInterval.isZero()) throw new IllegalArgumentException("flushInterval must be > 0");
        if (countersInterval.compareTo(flushInterval) < 0) throw new IllegalArgumentException("countersInterval must be >= flushInterval");
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be >= 1");
        if (retryFor.isNegative()) throw new IllegalArgumentException("retryFor must be >= 0");
    }

    public static MaterializerConfig defaults(Path stateDir) {
        return new MaterializerConfig("cairn-materializer", stateDir, Duration.ofSeconds(1), Duration.ofSeconds(10), 16, Duration.ofMinutes(4),
                null);
    }

    public MaterializerConfig withApplicationId(String id) {
        return new MaterializerConfig(id, stateDir, flushInterval, countersInterval, concurrency, retryFor, instanceId);
    }

    public MaterializerConfig withInstanceId(String id) {
        return new MaterializerConfig(applicationId, stateDir, flushInterval, countersInterval, concurrency, retryFor, id);
    }

    public MaterializerConfig withIntervals(Duration flush, Duration counters) {
        return new MaterializerConfig(applicationId, stateDir, flush, counters, concurrency, retryFor, instanceId);
    }

    public MaterializerConfig withRetryFor(Duration d) {
        return new MaterializerConfig(applicationId, stateDir, flushInterval, countersInterval, concurrency, d, instanceId);
    }
}
