package io.cairn.infra.metrics;

import io.cairn.infra.config.MetricsSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.cloudwatchlogs.emf.config.Configuration;
import software.amazon.cloudwatchlogs.emf.environment.DefaultEnvironment;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * Publishes Cairn's meters in CloudWatch's embedded metric format every step, beside Prometheus (the
 * registry stays the one {@code /metrics} serves). Per step: a counter becomes its increase; a gauge its
 * value; a timer or summary {@code <name>.count} (increase), {@code <name>.p50} and {@code <name>.p99}
 * over the step (from its histogram, milliseconds for timers) and {@code <name>.max}. Tags become
 * dimensions, each metric published under its full tag set, each single tag, and none (so a total is one
 * query). The applier's Kafka lag becomes {@code cairn.applier.lag.records} (the largest over its
 * partitions). Only {@code cairn.*} meters are published: Kafka's and the JVM's own stay in Prometheus.
 * The names are what the CDK app alarms on (infra/cdk {@code AlarmMetrics}).
 */
public final class EmfReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmfReporter.class);
    static final String APPLIER_LAG = "cairn.applier.lag.records";
    private static final String KAFKA_LAG = "kafka.consumer.fetch.manager.records.lag.max";

    private final MeterRegistry registry;
    private final Environment environment;
    private final String namespace;
    private final Duration step;
    private final Map<Meter.Id, Double> lastCounts = new HashMap<>();
    private final Map<Meter.Id, double[]> lastBuckets = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-emf");
        t.setDaemon(true);
        return t;
    });

    public EmfReporter(MeterRegistry registry, MetricsSettings.Emf settings) {
        this.registry = registry;
        this.namespace = settings.namespace();
        this.step = settings.step();
        Configuration config = new Configuration();
        config.setServiceName("cairn");
        config.setServiceType("cairn");
        config.setLogGroupName("cairn");
        if (settings.agentEndpoint() != null) {
            config.setAgentEndpoint(settings.agentEndpoint());
        } else {
            config.setShouldWriteToStdout(true);
        }
        this.environment = new DefaultEnvironment(config);
    }

    /** Publishes every step from now on, until {@link #close}. */
    public EmfReporter start() {
        timer.scheduleAtFixedRate(this::publishSafely, step.toMillis(), step.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void publishSafely() {
        try {
            publishNow();
        } catch (RuntimeException e) {
            log.warn("EMF metrics not published this step: {}", e.toString());
        }
    }

    /** One step, now: every figure since the previous publication, one EMF document per tag set (what every step does). */
    public synchronized void publishNow() {
        Map<List<Tag>, List<Figure>> byTags = new LinkedHashMap<>();
        double lag = Double.NaN;
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            if (id.getName().equals(KAFKA_LAG) && String.valueOf(id.getTag("client.id")).contains("applier") && meter instanceof Gauge g) {
                if (!Double.isNaN(g.value())) lag = Double.isNaN(lag) ? g.value() : Math.max(lag, g.value());
                continue;
            }
            if (!id.getName().startsWith("cairn.")) continue;
            List<Figure> figures = figures(meter);
            if (!figures.isEmpty()) byTags.computeIfAbsent(id.getTags(), k -> new ArrayList<>()).addAll(figures);
        }
        if (!Double.isNaN(lag)) byTags.computeIfAbsent(List.of(), k -> new ArrayList<>()).add(new Figure(APPLIER_LAG, lag, Unit.COUNT));
        for (var e : byTags.entrySet()) emit(e.getKey(), e.getValue());
    }

    private void emit(List<Tag> tags, List<Figure> figures) {
        MetricsLogger logger = new MetricsLogger(environment);
        logger.setNamespace(namespace);
        List<DimensionSet> sets = new ArrayList<>();
        DimensionSet all = new DimensionSet();
        for (Tag t : tags) {
            if (t.getValue().isEmpty()) continue;
            all.addDimension(t.getKey(), t.getValue());
            if (tags.size() > 1) sets.add(DimensionSet.of(t.getKey(), t.getValue()));
        }
        if (!tags.isEmpty()) sets.add(0, all);
        sets.add(new DimensionSet());
        logger.setDimensions(false, sets.toArray(DimensionSet[]::new));
        for (Figure f : figures) logger.putMetric(f.name(), f.value(), f.unit());
        logger.flush();
    }

    private List<Figure> figures(Meter meter) {
        String name = meter.getId().getName();
        return switch (meter) {
            case Counter c -> List.of(new Figure(name, increase(meter.getId(), c.count()), Unit.COUNT));
            case FunctionCounter c -> List.of(new Figure(name, increase(meter.getId(), c.count()), Unit.COUNT));
            case TimeGauge g -> finite(name, g.value(TimeUnit.MILLISECONDS), Unit.MILLISECONDS);
            case Gauge g -> finite(name, g.value(), Unit.NONE);
            case Timer t -> distribution(meter.getId(), t.takeSnapshot(), true);
            case DistributionSummary s -> distribution(meter.getId(), s.takeSnapshot(), false);
            case FunctionTimer t -> List.of(new Figure(name + ".count", increase(meter.getId(), t.count()), Unit.COUNT));
            default -> List.of();
        };
    }

    private List<Figure> distribution(Meter.Id id, HistogramSnapshot snapshot, boolean time) {
        String name = id.getName();
        Unit unit = time ? Unit.MILLISECONDS : Unit.NONE;
        double scale = time ? 1e-6 : 1; // Micrometer's timer buckets are in nanoseconds
        List<Figure> out = new ArrayList<>();
        double count = increase(id, snapshot.count());
        out.add(new Figure(name + ".count", count, Unit.COUNT));
        out.add(new Figure(name + ".max", time ? snapshot.max(TimeUnit.MILLISECONDS) : snapshot.max(), unit));
        CountAtBucket[] buckets = snapshot.histogramCounts();
        if (buckets.length > 0) {
            double[] now = new double[buckets.length];
            for (int i = 0; i < buckets.length; i++) now[i] = buckets[i].count();
            double[] before = lastBuckets.put(id, now);
            double[] inStep = new double[buckets.length];
            for (int i = 0; i < buckets.length; i++) inStep[i] = now[i] - (before == null || before.length != now.length ? 0 : before[i]);
            if (count > 0) {
                out.add(new Figure(name + ".p50", quantile(buckets, inStep, 0.50) * scale, unit));
                out.add(new Figure(name + ".p99", quantile(buckets, inStep, 0.99) * scale, unit));
            }
        }
        return out;
    }

    /**
     * The q-quantile of the values recorded in the step, from cumulative bucket counts (each bucket counts
     * the values at or below its bound), interpolated linearly inside the bucket that holds it.
     */
    static double quantile(CountAtBucket[] buckets, double[] cumulativeInStep, double q) {
        double total = cumulativeInStep[cumulativeInStep.length - 1];
        if (total <= 0) return 0;
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (int i = 0; i < buckets.length; i++) {
            double upper = buckets[i].bucket();
            if (cumulativeInStep[i] >= rank) {
                double inBucket = cumulativeInStep[i] - lowerCount;
                double fraction = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return lowerBound + (upper - lowerBound) * fraction;
            }
            lowerBound = upper;
            lowerCount = cumulativeInStep[i];
        }
        return lowerBound;
    }

    private double increase(Meter.Id id, double cumulative) {
        Double before = lastCounts.put(id, cumulative);
        return Math.max(0, cumulative - (before == null ? 0 : before));
    }

    private static List<Figure> finite(String name, double value, Unit unit) {
        return Double.isFinite(value) ? List.of(new Figure(name, value, unit)) : List.of();
    }

    private record Figure(String name, double value, Unit unit) {}

    @Override
    public void close() {
        timer.shutdownNow();
        publishSafely();
        try {
            environment.getSink().shutdown().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("EMF sink shutdown: {}", e.toString());
        }
    }
}
