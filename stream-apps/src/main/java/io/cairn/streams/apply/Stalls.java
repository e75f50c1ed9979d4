package io.cairn.streams.apply;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The machine failures the applier is waiting out right now (a full volume, an I/O error, a lock, the
 * snapshot store or the key vault away): since when, and why. While one lasts, no write of the
 * partitions it holds is applied; {@code /health} shows it ({@code details.applier}) and
 * {@code cairn.applier.retrying} gives its age in seconds (0 when none), so that an operator sees a stalled
 * applier before its lag grows. Reasons never name a tenant: {@code /health} is not authenticated.
 *
 * <p>Whoever waits out a failure reports each new attempt's failure; a report not renewed for {@link #FORGOTTEN_AFTER_MS}
 * (far beyond the longest backoff, 10 s) is taken as over, so that one whose work went elsewhere (a partition
 * handed to another instance) is not shown forever.
 *
 * <p>Thread-safe: each stream thread reports its own episodes, keyed by its {@link FailureRecovery}; the heavy lane
 * by the record that waits.
 */
public final class Stalls {
    /** A failure being waited out: when it began (epoch ms) and what it is. */
    public record Stall(long sinceMs, String reason) {}

    static final long FORGOTTEN_AFTER_MS = 60_000;

    private record Report(Stall stall, long lastMs) {}

    private final Map<Object, Report> current = new ConcurrentHashMap<>();

    Stalls(MeterRegistry registry) {
        TimeGauge.builder("cairn.applier.retrying", this, TimeUnit.MILLISECONDS, Stalls::longestMillis)
                .description("how long the applier has been waiting out a failure of the machine (full volume, I/O, locks,"
                        + " the snapshot store or key vault away): no write of its partitions is applied meanwhile; 0 when none")
                .register(registry);
    }

    /** {@code who} has been failing since {@code sinceMs} (or since its first report, if earlier); {@code cause} is the latest failure. */
    void failing(Object who, long sinceMs, Throwable cause) {
        String reason = reason(cause);
        long now = System.currentTimeMillis();
        current.merge(who, new Report(new Stall(sinceMs, reason), now),
                (was, next) -> new Report(new Stall(Math.min(was.stall().sinceMs(), sinceMs), reason), now));
    }

    /** {@code who} applied and committed again, or gave its work back to Streams. */
    void cleared(Object who) {
        current.remove(who);
    }

    /** The longest current stall, if any. */
    public Optional<Stall> oldest() {
        long now = System.currentTimeMillis();
        current.values().removeIf(r -> now - r.lastMs() > FORGOTTEN_AFTER_MS);
        return current.values().stream().map(Report::stall).min(Comparator.comparingLong(Stall::sinceMs));
    }

    private double longestMillis() {
        return oldest().map(s -> (double) Math.max(0, System.currentTimeMillis() - s.sinceMs())).orElse(0.0);
    }

    /**
     * SQLite's own message (it names the error, never the file); otherwise the kind of failure alone, since
     * an I/O error's message carries the tenant's path.
     */
    static String reason(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getMessage() != null && s.getMessage().startsWith("[SQLITE_")) return s.getMessage();
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getClass().getSimpleName() + " (the applier's log has the details)";
    }
}
