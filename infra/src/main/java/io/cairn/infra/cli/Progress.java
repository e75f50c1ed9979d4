package io.cairn.infra.cli;

import io.cairn.infra.shell.TerminalText;
import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A progress line on the terminal while a long request runs: a bar when the total is known (bytes sent
 * or received of a known size), else what moved so far and the time taken. Redrawn every 200 ms from a
 * thread of its own; {@link #close} draws the last state and ends the line. Not on a terminal (a script, a
 * log, CI) nothing is redrawn: {@link #close} writes the last state once, as one line.
 */
final class Progress implements AutoCloseable {
    private final PrintStream err;
    private final String label;
    private final LongSupplier done;
    private final long total;
    private final long start = System.nanoTime();
    private final boolean live = TerminalText.stdoutIsTerminal();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());

    /** @param total the end of {@code done}, or -1 when unknown */
    Progress(PrintStream err, String label, LongSupplier done, long total) {
        this.err = err;
        this.label = label;
        this.done = done;
        this.total = total;
        if (live) ticker.scheduleAtFixedRate(this::draw, 0, 200, TimeUnit.MILLISECONDS);
    }

    private synchronized void draw() {
        long d = done.getAsLong();
        String from = live ? "\r" : "";
        double seconds = (System.nanoTime() - start) / 1e9;
        if (total > 0) {
            int width = 30;
            int filled = (int) Math.min(width, Math.round(width * (double) d / total));
            err.printf("%s%s [%s%s] %s / %s  %.1f s", from, label, "#".repeat(filled), ".".repeat(width - filled), size(d), size(total), seconds);
        } else if (d > 0) {
            err.printf("%s%s %s  %.1f s", from, label, size(d), seconds);
        } else {
            err.printf("%s%s %.1f s", from, label, seconds);
        }
    }

    static String size(long bytes) {
        if (bytes < 10 << 10) return bytes + " B";
        if (bytes < 10 << 20) return (bytes >> 10) + " KiB";
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        draw();
        err.println();
    }
}
