package io.cairn.bench.report;

import java.util.Locale;

/** The report as Markdown: machine and run first, then the one table, then the notes. */
public final class MarkdownTable {
    private MarkdownTable() {}

    public static String render(Report r) {
        Machine m = r.machine();
        StringBuilder b = new StringBuilder();
        b.append("- Command: `").append(r.command()).append("` (plan ").append(r.plan()).append(", ")
                .append(String.format(Locale.ROOT, "%.0f s", r.seconds())).append(")\n");
        b.append("- Date: ").append(m.date()).append("; git commit ").append(m.gitCommit()).append('\n');
        b.append("- Machine: ").append(m.cores()).append(" cores (").append(m.cpu()).append("), ")
                .append(String.format(Locale.ROOT, "%,d", m.memoryMb())).append(" MB memory, ").append(m.os()).append('\n');
        b.append("- JDK: ").append(m.jdk()).append('\n');
        b.append("- Load average (1/5/15 min) at start: ").append(m.loadAverage()).append("; at end: ")
                .append(r.loadAverageAfter()).append('\n');
        b.append('\n');
        b.append("| | Scenario | Metric | Value | Unit | Ceiling (same run) | Cairn ÷ ceiling | Target | Met |\n");
        b.append("|---|---|---|---:|---|---|---:|---|---|\n");
        for (Row row : r.rows()) {
            b.append("| ").append(row.group()).append(" | ").append(row.scenario()).append(" | ").append(row.metric())
                    .append(" | ").append(Format.number(row.value())).append(" | ").append(row.unit()).append(" | ")
                    .append(row.ceilingLabel() == null ? "" : row.ceilingLabel() + " = " + Format.number(row.ceiling()))
                    .append(" | ").append(Format.ratio(row.ratio())).append(" | ")
                    .append(row.target() == null ? "" : row.target().render(row.unit())).append(" | ")
                    .append(row.met() == null ? "" : row.met() ? "yes" : "**no**").append(" |\n");
        }
        if (!r.notes().isEmpty()) {
            b.append('\n');
            r.notes().forEach(n -> b.append("- ").append(n).append('\n'));
        }
        return b.toString();
    }
}
