package io.cairn.edge.restore;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.write.LogEnds;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.TenantState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Which past points of a tenant can be restored, forked or read as of, and what a request's
 * {@code "bookmark"} or {@code "time"} names. A point is a position of the tenant's partition: the content
 * right after that record (a time names the last record appended at or before it; records carry their
 * ingress time).
 *
 * <p>The restorable range of a tenant starts at the latest of: its creation; the restore window's start
 * (the configured window back from now); and the oldest point the log and the snapshots can still build
 * (with the partition's start removed by retention, the oldest snapshot kept at or after it). It ends at
 * the last record of the partition. Thread-safe.
 */
public final class RestorePoints {
    public static final Duration DEFAULT_WINDOW = Duration.ofDays(30);

    /** A point: the content right after the record at {@code offset} of {@code partition}; {@code timeMs} when asked by time. */
    public record Point(int partition, long offset, Long timeMs) {
        public Bookmark bookmark() {
            return new Bookmark(partition, offset);
        }
    }

    /** What can be restored: from {@code earliest} to {@code latest}, and what sets the start ("creation", "window", "retention"). */
    public record Range(Bookmark earliest, Bookmark latest, String limitedBy) {}

    private final LogEnds log;
    private final SnapshotStore snapshots;
    private final Duration window;
    private final Clock clock;

    /** @param snapshots the store restores start from; null when there is none (then only an untruncated log builds a point) */
    public RestorePoints(LogEnds log, SnapshotStore snapshots, Duration window, Clock clock) {
        if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("the restore window must be positive");
        this.log = log;
        this.snapshots = snapshots;
        this.window = window;
        this.clock = clock;
    }

    public Duration window() {
        return window;
    }

    /**
     * The tenant's restorable range now, shown to the tenant (history, out-of-range answers). Its {@code latest} is the
     * tenant's own newest record its applier announced, not the partition's end (the same content): a tenant watching the
     * end move saw how fast the tenants sharing its partition write.
     */
    public Range range(TenantState st) throws InterruptedException {
        int p = st.getPartition();
        long end = log.end(p) - 1;
        long latest = st.getAppliedOffset() >= 0 ? Math.min(end, st.getAppliedOffset()) : end;
        Range from = from(st, latest);
        return new Range(new Bookmark(p, Math.min(from.earliest().offset(), latest)), new Bookmark(p, latest), from.limitedBy());
    }

    /**
     * Where the range starts (its {@code latest} is only {@code latestIfNeeded}): the partition's start and the
     * window's first offset are asked of Kafka at most once per {@link #LOOKUP_TTL} per partition, so as-of reads
     * do not pay for them each time.
     */
    private Range from(TenantState st, long latestIfNeeded) throws InterruptedException {
        int p = st.getPartition();
        long created = st.getCreatedOffset() >= 0 ? st.getCreatedOffset() : log.firstAtOrAfter(p, st.getCreatedAtMs());
        long windowStart = cached(windowStarts, p, () -> log.firstAtOrAfter(p, clock.millis() - window.toMillis())) - 1;
        long buildable = oldestBuildable(st, p, latestIfNeeded);
        long earliest = created;
        String by = "creation";
        if (windowStart > earliest) {
            earliest = windowStart;
            by = "window";
        }
        if (buildable > earliest) {
            earliest = buildable;
            by = "retention";
        }
        return new Range(new Bookmark(p, earliest), new Bookmark(p, latestIfNeeded), by);
    }

    /** How long a partition's start and window start, asked of Kafka, are reused. */
    static final long LOOKUP_TTL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private record Looked(long value, long atNanos) {}

    private interface Lookup {
        long get() throws InterruptedException;
    }

    private final java.util.Map<Integer, Looked> starts = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, Looked> windowStarts = new java.util.concurrent.ConcurrentHashMap<>();

    private static long cached(java.util.Map<Integer, Looked> cache, int partition, Lookup lookup) throws InterruptedException {
        Looked l = cache.get(partition);
        if (l != null && System.nanoTime() - l.atNanos() < LOOKUP_TTL_NANOS) return l.value();
        long v = lookup.get();
        cache.put(partition, new Looked(v, System.nanoTime()));
        return v;
    }

    /**
     * With the partition's start removed by retention, the oldest snapshot kept at or after it; else -1: the
     * whole log is there, or the tenant was created after its new start, so the log still holds every record
     * of it (a past point is built from its creation on: {@link PastBuilder}).
     */
    private long oldestBuildable(TenantState st, int partition, long latest) throws InterruptedException {
        long start = cached(starts, partition, () -> log.start(partition));
        if (start == 0 || st.getCreatedOffset() >= start) return -1;
        if (snapshots == null) return latest;
        try {
            return snapshots.offsets(st.getTenant()).stream().mapToLong(Long::longValue).filter(o -> o >= start - 1).min().orElse(latest);
        } catch (SnapshotStoreException e) {
            throw ApiError.unavailable("the snapshot store cannot be reached to say what can be restored; retry shortly");
        }
    }

    /**
     * The point {@code bookmark} or {@code time} (exactly one given) names for the tenant, checked against
     * its restorable range: 400 {@code restore_out_of_range} naming the range when outside it.
     */
    public Point resolve(TenantState st, JsonNode bookmark, JsonNode time) throws InterruptedException {
        boolean byBookmark = bookmark != null && !bookmark.isNull();
        boolean byTime = time != null && !time.isNull();
        if (byBookmark && byTime) throw ApiError.invalidRequest("\"time\" and \"bookmark\" were both given: give exactly one of them");
        if (!byBookmark && !byTime) throw ApiError.invalidRequest("\"bookmark\" (or \"time\") is missing: give exactly one of them");
        Point point = byBookmark ? byBookmark(st, bookmark) : byTime(st, time);
        Range from = from(st, Long.MAX_VALUE); // the point is in the log already: only where the range starts is in question
        if (point.offset() < from.earliest().offset()) {
            Range range = range(st);
            throw new ApiError(ErrorCode.RESTORE_OUT_OF_RANGE, "tenant '" + st.getTenant() + "' can be restored, forked or read as of a point from " + range.earliest()
                    + " (its " + range.limitedBy() + ") to " + range.latest() + "; " + (point.timeMs() == null ? point.bookmark() + " is outside"
                    : "the time " + time.textValue() + " is before that"), null,
                    Map.of("earliest", range.earliest().toString(), "latest", range.latest().toString()));
        }
        return point;
    }

    private Point byBookmark(TenantState st, JsonNode node) throws InterruptedException {
        if (!node.isTextual()) throw new ApiError(ErrorCode.INVALID_BOOKMARK, "\"bookmark\" must be a string such as \"3:1042\"");
        Bookmark b;
        try {
            b = Bookmark.parse(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new ApiError(ErrorCode.INVALID_BOOKMARK, "\"bookmark\" must look like \"3:1042\" (partition:offset)");
        }
        if (b.partition() != st.getPartition()) throw new ApiError(ErrorCode.INVALID_BOOKMARK, notOfTenant(b, st));
        if (!log.issued(b)) {
            throw new ApiError(ErrorCode.INVALID_BOOKMARK, "bookmark " + b + " is past the end of the tenant's log");
        }
        return new Point(b.partition(), b.offset(), null);
    }

    /** The words for a bookmark of another partition than the tenant's, the same on every route. */
    public static String notOfTenant(Bookmark b, TenantState st) {
        return "bookmark " + b + " is not of tenant '" + st.getTenant() + "' (its bookmarks are of partition " + st.getPartition() + ")";
    }

    /** Whether {@code text} is an ISO-8601 instant, the form every {@code "time"} and time {@code "as_of"} takes. */
    public static boolean isInstant(String text) {
        try {
            Instant.parse(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private Point byTime(TenantState st, JsonNode node) throws InterruptedException {
        Instant t;
        try {
            if (!node.isTextual()) throw new DateTimeParseException("not a string", node.toString(), 0);
            t = Instant.parse(node.textValue());
        } catch (DateTimeParseException e) {
            throw ApiError.invalidRequest("\"time\" must be an ISO-8601 instant such as \"2026-11-30T10:15:00Z\"");
        }
        if (t.isAfter(clock.instant())) {
            Range range = range(st); // the range too, as for a point before it: api.md promises earliest and latest
            throw new ApiError(ErrorCode.RESTORE_OUT_OF_RANGE, "the time " + t + " is in the future; tenant '" + st.getTenant()
                    + "' can be restored, forked or read as of a point from " + range.earliest() + " to " + range.latest(), null,
                    Map.of("earliest", range.earliest().toString(), "latest", range.latest().toString()));
        }
        // Instant reaches a billion years either way, epoch milliseconds ~292 million: before 1970 no record
        // was appended, so such a time names the point before the partition's first record.
        long ms = t.isBefore(Instant.EPOCH) ? -1 : t.toEpochMilli();
        int p = st.getPartition();
        long last = log.firstAtOrAfter(p, ms + 1) - 1;
        return new Point(p, last, ms);
    }
}
