package io.cairn.bench.load;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of one measured run, in milliseconds, plus how many operations completed per second, and
 * the latency at each of {@link #CURVE_PERCENTILES} (for the CDF pictures). Histograms record nanoseconds.
 */
public record Latency(long count, double p50, double p99, double p999, double max, double perSecond, double[] curve) {
    /** The percentiles {@link #curve} holds, denser towards the tail. */
    public static final double[] CURVE_PERCENTILES = {1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 100};

    /** A histogram able to hold 1 us .. 60 s at 3 significant digits. */
    public static Histogram histogram() {
        return new Histogram(1_000L, 60_000_000_000L, 3);
    }

    public static Latency of(Histogram h, double elapsedSeconds) {
        double[] curve = new double[CURVE_PERCENTILES.length];
        for (int i = 0; i < curve.length; i++) curve[i] = ms(h.getValueAtPercentile(CURVE_PERCENTILES[i]));
        return new Latency(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), h.getTotalCount() / Math.max(elapsedSeconds, 1e-9), curve);
    }

    /** Records {@code nanos}, clamped into the histogram's range (a sub-microsecond read is 1 us). */
    public static void record(Histogram h, long nanos) {
        h.recordValue(Math.min(Math.max(nanos, 1_000L), h.getHighestTrackableValue()));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
