package io.cairn.bench.report;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One line of the results table: a measured value, optionally the ceiling it is compared with (measured
 * in the same run) and the target for it.
 *
 * @param group "ceiling", "cairn", or "peer" (the value is Cairn's, the compared one a peer's, measured alike in the same run)
 * @param ceilingLabel what the ceiling is, e.g. "Kafka ack p50"; null when the row has none
 * @param ceiling the ceiling's value in the same unit; null when none
 * @param target the target, or null
 */
public record Row(String group, String scenario, String metric, double value, String unit,
        String ceilingLabel, Double ceiling, Target target) {

    /**
     * A target from the issue: at most (latency, resources) or at least (throughput) {@code bound}, of the
     * value itself, or ({@code ofCeiling}) of its ratio to the ceiling measured in the same run, as issue 16
     * states its targets ("&gt;= 85% of the HTTP floor"): a ratio holds on a slower or busier host, where an
     * absolute bound measures the host.
     */
    public record Target(boolean atMost, double bound, boolean ofCeiling) {
        /** Whether {@code value} (or, for a target of the ceiling, {@code ratio}) is within the bound; a ratio not measured is not. */
        public boolean met(double value, Double ratio) {
            if (ofCeiling && ratio == null) return false;
            double v = ofCeiling ? ratio : value;
            return atMost ? v <= bound : v >= bound;
        }

        /** As the table shows it: {@code >= 1,000 tenants/s}, or {@code <= 2.00× the ceiling}. */
        public String render(String unit) {
            return (atMost ? "<= " : ">= ") + (ofCeiling ? Format.ratio(bound) + " the ceiling" : Format.number(bound) + " " + unit);
        }
    }

    public static Row ceiling(String scenario, String metric, double value, String unit) {
        return new Row("ceiling", scenario, metric, value, unit, null, null, null);
    }

    public static Row cairn(String scenario, String metric, double value, String unit) {
        return new Row("cairn", scenario, metric, value, unit, null, null, null);
    }

    public static Row peer(String scenario, String metric, double cairnValue, String unit) {
        return new Row("peer", scenario, metric, cairnValue, unit, null, null, null);
    }

    public Row vs(String label, double ceilingValue) {
        return new Row(group, scenario, metric, value, unit, label, ceilingValue, target);
    }

    public Row atMost(double bound) {
        return with(new Target(true, bound, false));
    }

    public Row atLeast(double bound) {
        return with(new Target(false, bound, false));
    }

    /** The target is at most {@code times} the ceiling ({@link #vs} first). */
    public Row atMostTimesCeiling(double times) {
        return with(new Target(true, times, true));
    }

    /** The target is at least {@code share} of the ceiling ({@link #vs} first). */
    public Row atLeastOfCeiling(double share) {
        return with(new Target(false, share, true));
    }

    private Row with(Target t) {
        return new Row(group, scenario, metric, value, unit, ceilingLabel, ceiling, t);
    }

    /** Cairn's value over the ceiling's: for latency how many times slower, for throughput the share reached. */
    @JsonProperty("ratio")
    public Double ratio() {
        return ceiling == null || ceiling == 0 ? null : value / ceiling;
    }

    @JsonProperty("met")
    public Boolean met() {
        return target == null ? null : target.met(value, ratio());
    }
}
