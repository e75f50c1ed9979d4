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

    /** A target from the issue: at most (latency, resources) or at least (throughput) {@code bound}. */
    public record Target(boolean atMost, double bound) {
        public boolean met(double value) {
            return atMost ? value <= bound : value >= bound;
        }

        @Override
        public String toString() {
            return (atMost ? "<= " : ">= ") + Format.number(bound);
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
        return new Row(group, scenario, metric, value, unit, ceilingLabel, ceiling, new Target(true, bound));
    }

    public Row atLeast(double bound) {
        return new Row(group, scenario, metric, value, unit, ceilingLabel, ceiling, new Target(false, bound));
    }

    /** Cairn's value over the ceiling's: for latency how many times slower, for throughput the share reached. */
    @JsonProperty("ratio")
    public Double ratio() {
        return ceiling == null || ceiling == 0 ? null : value / ceiling;
    }

    @JsonProperty("met")
    public Boolean met() {
        return target == null ? null : target.met(value);
    }
}
