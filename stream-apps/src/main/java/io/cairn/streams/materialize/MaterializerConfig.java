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
 * @param flushInterval how often buffered changes are written out (also before every offset commit):
 *     the lag a quiet materializer adds. Default 200 ms.
 * @param concurrency writes to the metadata store in flight at once. Default 16.
 * @param retryFor how long a write failing with a retriable error is retried (backoff up to 30 s)
 *     before the stream thread gives up and is replaced (it then starts again from the last commit).
 *     Default 4 minutes, below Kafka's 5-minute poll interval.
 * @param instanceId Kafka static membership id, or null for dynamic membership
 */
public record MaterializerConfig(String applicationId, Path stateDir, Duration flushInterval, int concurrency, Duration retryFor,
        String instanceId) {

    public MaterializerConfig {
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(stateDir, "stateDir");
        if (flushInterval.isNegative() || flushInterval.isZero()) throw new IllegalArgumentException("flushInterval must be > 0");
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be >= 1");
        if (retryFor.isNegative()) throw new IllegalArgumentException("retryFor must be >= 0");
    }

    public static MaterializerConfig defaults(Path stateDir) {
        return new MaterializerConfig("cairn-materializer", stateDir, Duration.ofMillis(200), 16, Duration.ofMinutes(4), null);
    }

    public MaterializerConfig withApplicationId(String id) {
        return new MaterializerConfig(id, stateDir, flushInterval, concurrency, retryFor, instanceId);
    }

    public MaterializerConfig withInstanceId(String id) {
        return new MaterializerConfig(applicationId, stateDir, flushInterval, concurrency, retryFor, id);
    }

    public MaterializerConfig withRetryFor(Duration d) {
        return new MaterializerConfig(applicationId, stateDir, flushInterval, concurrency, d, instanceId);
    }
}
