package io.cairn.streams.apply;

/**
 * How much work one record may do, in units of the data (never time), so that every copy of a tenant
 * reaches the same verdict: SQLite VM steps across all its statements, and bytes its writes may add to
 * the file.
 *
 * <p>{@link #FULL} is the verdict's budget: what passes it succeeds everywhere, what exceeds it fails
 * with {@code statement_timeout} or {@code write_too_large}, live and in every replay. {@link #QUICK} is
 * what a record may take of the stream thread that every tenant of the partition shares: a record
 * that exceeds it is not failed but deferred to the {@link HeavyLane}, which runs it with the full
 * budget. The quick budget decides only where a record runs, never its outcome, so it may also count
 * time: a step can cost far more than its share (a sort of big values, a long string built), and a
 * record that keeps the shared thread past {@link #QUICK_WALL_NANOS} moves to the lane like one past the
 * quick budget's steps, whatever the steps say. Time is looked at only between rows and at loop jumps, so one
 * row's expression runs to its end: each of its operations costs up to the value it builds, and a 100 KB statement
 * holds thousands (a row of 30 {@code upper(printf('%.*c', 60000000 + i, 'y'))} held the thread 91 s). On the
 * stream thread a value or row may therefore hold at most {@link #QUICK_VALUE_BYTES}: one that needs more
 * moves the record to the lane, where the limit is {@code SqliteConnections.MAX_VALUE_BYTES}.
 *
 * @param steps SQLite virtual-machine steps (200 million: about a second on current hardware)
 * @param growthBytes how much the record may grow the file
 * @param quick true for the stream thread's budget
 * @param wallNanos for the quick budget only, the wall time after which the record moves to the lane
 */
record Budget(long steps, long growthBytes, boolean quick, long wallNanos) {
    /** Wall time a record may take of the shared stream thread: four times the quick budget's steps on current hardware. */
    static final long QUICK_WALL_NANOS = 200_000_000L;
    /** The longest string, blob or row a record makes or reads on the stream thread (SQLITE_LIMIT_LENGTH there). */
    static final int QUICK_VALUE_BYTES = 256 << 10;
    static final Budget FULL = new Budget(200_000_000L, 64L << 20, false, Long.MAX_VALUE);
    /** About 50 ms of work, or 8 MiB of growth, or 200 ms of the thread: far more than ordinary writes take. */
    static final Budget QUICK = new Budget(10_000_000L, 8L << 20, true, QUICK_WALL_NANOS);

    Budget {
        if (!quick && wallNanos != Long.MAX_VALUE) throw new IllegalArgumentException("time never decides a verdict: only the quick budget counts it");
    }
}
