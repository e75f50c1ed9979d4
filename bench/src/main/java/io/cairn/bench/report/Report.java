package io.cairn.bench.report;

import java.util.List;

/**
 * One run's results: where it ran, what was run, every row, and notes that qualify the numbers.
 *
 * @param loadAverageAfter the load average when the run ended (compare with the machine's at start)
 */
public record Report(Machine machine, String plan, String command, double seconds, String loadAverageAfter,
        List<Row> rows, List<String> notes) {}
