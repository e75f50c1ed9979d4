package io.cairn.connectors.metadata;

import java.time.LocalDate;
import java.util.List;

/**
 * What a tenant's applied writes did, as the applier counted them in the tenant's file: totals since
 * the tenant was created, and its last days with writes (a day's figures are final once a later day
 * appears).
 *
 * @param life which tenant of that name counted them: its creation offset ({@code created_offset}), -1 when
 *     unknown; a tenant deleted and created again counts afresh
 */
public record WriteCounts(long life, long statements, long rowsWritten, List<Day> days) {
    public static final WriteCounts NONE = new WriteCounts(-1, 0, 0, List.of());

    /** One day's writes (UTC). */
    public record Day(LocalDate day, long statements, long rowsWritten) {}

    public WriteCounts {
        if (statements < 0 || rowsWritten < 0) throw new IllegalArgumentException("counts must be >= 0");
        days = List.copyOf(days);
    }
}
