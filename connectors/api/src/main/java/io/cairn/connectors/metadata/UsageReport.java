package io.cairn.connectors.metadata;

import java.time.LocalDate;
import java.util.List;

/**
 * A tenant's usage: totals since it was created, its storage now, and per-day figures (UTC) for the
 * days asked for that have any use, oldest first.
 */
public record UsageReport(String tenant, UsageCounts totals, long storageBytes, List<Day> days) {
    /** One day's figures. */
    public record Day(LocalDate day, UsageCounts counts) {}

    public UsageReport {
        days = List.copyOf(days);
    }
}
