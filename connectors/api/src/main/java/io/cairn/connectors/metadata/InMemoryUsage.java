package io.cairn.connectors.metadata;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One tenant's usage as {@link InMemoryMetadataStore} keeps it; guarded by its own monitor. */
final class InMemoryUsage {
    /** Counts with the position that last set them: a report's seq, or a state's applied offset. */
    private record Stamped(UsageCounts counts, long stamp) {}

    private final Map<String, Stamped> totalsBySource = new HashMap<>();
    private final TreeMap<LocalDate, Map<String, Stamped>> days = new TreeMap<>();
    private Stamped writeTotals;

    synchronized boolean add(AccessReport r) {
        Map<String, Stamped> day = days.computeIfAbsent(r.day(), d -> new HashMap<>());
        boolean dayAdded = addOnce(day, r.source(), r);
        boolean totalAdded = addOnce(totalsBySource, r.source(), r);
        return dayAdded || totalAdded;
    }

    private static boolean addOnce(Map<String, Stamped> bySource, String source, AccessReport r) {
        Stamped old = bySource.get(source);
        if (old != null && old.stamp() >= r.seq()) return false;
        bySource.put(source, new Stamped(old == null ? r.counts() : old.counts().plus(r.counts()), r.seq()));
        return true;
    }

    synchronized void setWrites(WriteCounts w, long offset) {
        if (writeTotals == null || writeTotals.stamp() < offset) {
            writeTotals = new Stamped(UsageCounts.ZERO.withWrites(w.statements(), w.rowsWritten()), offset);
        }
        for (WriteCounts.Day d : w.days()) {
            Map<String, Stamped> day = days.computeIfAbsent(d.day(), x -> new HashMap<>());
            Stamped old = day.get(InMemoryMetadataStore.LOG_SOURCE);
            if (old == null || old.stamp() < offset) {
                day.put(InMemoryMetadataStore.LOG_SOURCE, new Stamped(UsageCounts.ZERO.withWrites(d.statements(), d.rowsWritten()), offset));
            }
        }
    }

    synchronized UsageCounts totals() {
        UsageCounts sum = writeTotals == null ? UsageCounts.ZERO : writeTotals.counts();
        for (Stamped s : totalsBySource.values()) sum = sum.plus(s.counts());
        return sum;
    }

    synchronized List<UsageReport.Day> days(LocalDate from, LocalDate to) {
        List<UsageReport.Day> out = new ArrayList<>();
        for (var e : days.subMap(from, true, to, true).entrySet()) {
            UsageCounts sum = UsageCounts.ZERO;
            for (Stamped s : e.getValue().values()) sum = sum.plus(s.counts());
            out.add(new UsageReport.Day(e.getKey(), sum));
        }
        return out;
    }
}
