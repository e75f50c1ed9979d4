package io.cairn.bench.report;

import io.cairn.bench.load.Latency;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The run's pictures, drawn with JFreeChart: one latency CDF chart (every latency scenario's curve on a
 * log time axis, the ceilings among them) and one throughput chart (each throughput row beside the
 * ceiling it is measured against, log scale). A full run writes them to {@code bench/charts/} (linked from
 * RESULTS.md); other plans to {@code bench/results/}.
 */
public final class Charts {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 650;

    private final Map<String, Latency> curves = new LinkedHashMap<>();

    /** Adds a latency scenario's curve (a ceiling's too) under {@code name}. */
    public void latency(String name, Latency latency) {
        if (latency != null && latency.curve() != null && latency.count() > 0) curves.put(name, latency);
    }

    /** Writes both pictures and returns {@code report} with a note linking them. */
    public Report withPictures(Report report, Path benchDir, boolean full) throws IOException {
        List<String> files = write(report, benchDir, full);
        List<String> notes = new java.util.ArrayList<>(report.notes());
        notes.add("Pictures (JFreeChart): [latency CDF](" + files.get(0) + ") of every latency scenario beside its ceilings, and"
                + " [throughput](" + files.get(1) + ") of every throughput row beside what it is measured against.");
        return new Report(report.machine(), report.plan(), report.command(), report.seconds(), report.loadAverageAfter(),
                report.rows(), List.copyOf(notes));
    }

    /** Writes both pictures; returns their paths relative to the Markdown file that links them. */
    public List<String> write(Report report, Path benchDir, boolean full) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path dir = full ? benchDir.resolve("charts") : benchDir.resolve("results");
        Files.createDirectories(dir);
        String prefix = full ? "" : report.plan() + "-";
        Path cdf = dir.resolve(prefix + "latency-cdf.png");
        Path bars = dir.resolve(prefix + "throughput.png");
        ChartUtils.saveChartAsPNG(cdf.toFile(), latencyChart(report), WIDTH, HEIGHT);
        JFreeChart throughput = throughputChart(report);
        int categories = throughput.getCategoryPlot().getDataset().getColumnCount();
        ChartUtils.saveChartAsPNG(bars.toFile(), throughput, WIDTH + 300, 150 + 34 * categories);
        Path mdDir = full ? benchDir : dir; // RESULTS.md sits in bench/, <plan>.md in bench/results/
        return List.of(mdDir.relativize(cdf).toString(), mdDir.relativize(bars).toString());
    }

    private JFreeChart latencyChart(Report report) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (var e : curves.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            double[] ms = e.getValue().curve();
            for (int i = 0; i < ms.length; i++) s.add(Math.max(ms[i], 0.001), Latency.CURVE_PERCENTILES[i]);
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Latency CDF (" + report.plan() + " run, " + report.machine().cores()
                + " cores, generator on the same cores)", "latency (ms, log scale)", "percentile", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setDomainAxis(logAxis("latency (ms, log scale)"));
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setRange(0, 100);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart;
    }

    private static JFreeChart throughputChart(Report report) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Row r : report.rows()) {
            if (!r.group().equals("cairn") || !r.unit().endsWith("/s")) continue;
            String name = shorten(r.scenario()) + " (" + r.unit() + ")";
            data.addValue(Math.max(r.value(), 0.1), "Cairn", name);
            data.addValue(r.ceiling() == null ? null : Math.max(r.ceiling(), 0.1), "what it is measured against, same run", name);
        }
        JFreeChart chart = ChartFactory.createBarChart("Throughput beside what it is measured against (" + report.plan() + " run)",
                null, "per second (log scale)", data, PlotOrientation.HORIZONTAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        LogarithmicAxis perSecond = logAxis("per second (log scale)");
        perSecond.setLowerBound(1);
        plot.setRangeAxis(perSecond);
        plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.45f);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart;
    }

    private static String shorten(String scenario) {
        return scenario.length() <= 90 ? scenario : scenario.substring(0, 87) + "...";
    }

    /** A log axis with plain tick labels (0.1, 1, 10, 1,000). */
    private static LogarithmicAxis logAxis(String label) {
        LogarithmicAxis axis = new LogarithmicAxis(label);
        axis.setAllowNegativesFlag(false);
        axis.setStrictValuesFlag(false);
        axis.setExpTickLabelsFlag(false);
        axis.setLog10TickLabelsFlag(false);
        return axis;
    }
}
