package io.cairn.connectors.metadata;

/**
 * Usage figures of a tenant over some period. The edge counts requests and bytes ({@code reads},
 * {@code writes}, {@code rowsRead}, {@code bytesIn}, {@code bytesOut}); the applier counts what the
 * applied writes did ({@code statements}, {@code rowsWritten}).
 *
 * @param reads     reads answered with success
 * @param writes    writes accepted into the log
 * @param rowsRead  rows those reads returned
 * @param bytesIn   request body bytes of those reads and writes
 * @param bytesOut  response body bytes of those reads and writes
 * @param statements statements of applied writes
 * @param rowsWritten rows those statements inserted, updated or deleted
 */
public record UsageCounts(long reads, long writes, long rowsRead, long bytesIn, long bytesOut, long statements,
        long rowsWritten) {
    public static final UsageCounts ZERO = new UsageCounts(0, 0, 0, 0, 0, 0, 0);

    public UsageCounts {
        if (reads < 0 || writes < 0 || rowsRead < 0 || bytesIn < 0 || bytesOut < 0 || statements < 0 || rowsWritten < 0) {
            throw new IllegalArgumentException("usage counts must be >= 0");
        }
    }

    /** Counts an edge reports (no applier figures). */
    public static UsageCounts ofEdge(long reads, long writes, long rowsRead, long bytesIn, long bytesOut) {
        return new UsageCounts(reads, writes, rowsRead, bytesIn, bytesOut, 0, 0);
    }

    public UsageCounts plus(UsageCounts o) {
        return new UsageCounts(reads + o.reads, writes + o.writes, rowsRead + o.rowsRead, bytesIn + o.bytesIn,
                bytesOut + o.bytesOut, statements + o.statements, rowsWritten + o.rowsWritten);
    }

    /** Each figure the larger of the two. */
    public UsageCounts atLeast(UsageCounts o) {
        return new UsageCounts(Math.max(reads, o.reads), Math.max(writes, o.writes), Math.max(rowsRead, o.rowsRead),
                Math.max(bytesIn, o.bytesIn), Math.max(bytesOut, o.bytesOut), Math.max(statements, o.statements),
                Math.max(rowsWritten, o.rowsWritten));
    }

    public UsageCounts withWrites(long newStatements, long newRowsWritten) {
        return new UsageCounts(reads, writes, rowsRead, bytesIn, bytesOut, newStatements, newRowsWritten);
    }
}
