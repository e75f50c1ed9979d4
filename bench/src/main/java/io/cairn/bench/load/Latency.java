package io.cairn.bench.load;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of one measured run, in milliseconds, plus how many operations completed per second.
 * Histograms record nanoseconds.
 */
public record Latency(long count, double p50, double p99, double p999, double max, double perSecond) {

    /** A histogram able to hold 1 us .. 60 s at 3 significant digits. */
    public static Histogram histogram() {
        return new Histogram(1_000L, 60_000_000_000L, 3);
    }

    public static Latency of(Histogram h, double elapsedSeconds) {
        return new Latency(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), h.getTotalCount() / Math.max(elapsedSeconds, 1e-9));
    }

    /** Records {@code nanos}, clamped into the histogram's range (a sub-microsecond read is 1 us). */
    public static void record(Histogram h, long nanos) {
        h.recordValue(Math.min(Math.max(nanos, 1_000L), h.getHighestTrackableValue()));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
