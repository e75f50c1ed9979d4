package io.cairn.streams.apply;

import java.util.Map;
import java.util.TreeMap;

/**
 * How far a {@link LogReplay} got.
 *
 * @param read per partition, records read so far (offsets below the position)
 * @param total per partition, records to read (the end offset taken at the start)
 * @param applied records of the selected tenants applied so far (not counting those a snapshot held)
 * @param statements SQL statements in the applied ExecuteBatch records
 * @param elapsedNanos time since the replay started
 * @param seeded tenants started from a snapshot (their records it holds are read, not applied)
 * @param leftCold tenants left cold at the end, their cold snapshot their content ({@link LogReplay#leavingColdTenantsCold})
 */
public record ReplayProgress(Map<Integer, Long> read, Map<Integer, Long> total, long applied, long statements, long elapsedNanos,
        long seeded, long leftCold) {
    public ReplayProgress {
        read = Map.copyOf(read);
        total = Map.copyOf(total);
    }

    public long recordsRead() {
        return read.values().stream().mapToLong(Long::longValue).sum();
    }

    public long recordsTotal() {
        return total.values().stream().mapToLong(Long::longValue).sum();
    }

    /** From 0 to 1; 1 for an empty log. */
    public double fraction() {
        long t = recordsTotal();
        return t == 0 ? 1 : (double) recordsRead() / t;
    }

    public double recordsPerSecond() {
        return perSecond(recordsRead());
    }

    public double statementsPerSecond() {
        return perSecond(statements);
    }

    /** One line for a terminal: overall and per-partition percentages, rates. */
    public String describe() {
        StringBuilder sb = new StringBuilder(String.format("%5.1f%%  %,d/%,d records  %,.0f records/s  %,d statements (%,.0f/s)",
                100 * fraction(), recordsRead(), recordsTotal(), recordsPerSecond(), statements, statementsPerSecond()));
        if (seeded > 0) sb.append(String.format("  %,d tenants from snapshots", seeded));
        new TreeMap<>(total).forEach((p, t) -> sb.append(String.format("  p%d %.0f%%", p, t == 0 ? 100.0 : 100.0 * read.getOrDefault(p, 0L) / t)));
        return sb.toString();
    }

    private double perSecond(long n) {
        return elapsedNanos == 0 ? 0 : n * 1e9 / elapsedNanos;
    }
}
