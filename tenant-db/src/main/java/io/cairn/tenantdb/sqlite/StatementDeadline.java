package io.cairn.tenantdb.sqlite;

import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConnection;

/**
 * A limit on the statement running on one connection, enforced by SQLite's progress handler: past it
 * SQLite interrupts the statement (SQLITE_INTERRUPT), which {@link SqliteErrors} maps to
 * {@code statement_timeout}. Two kinds:
 * <ul>
 *   <li>a <b>time</b> limit ({@link #start}), for reads, which also stops the statement when the space
 *       for SQLite's temporary files runs low ({@link TempSpace}; {@link #stoppedForTempSpace} tells);</li>
 *   <li>a <b>work</b> limit in SQLite virtual-machine steps ({@link #startSteps}), for writes: a write
 *       is re-executed by replicas and rebuilds on other machines, so whether it hit its limit must
 *       not depend on how fast the machine is. The same statement on the same data takes the same
 *       steps with the same SQLite version. A write may be stopped for temporary space too, which the
 *       caller treats as the machine's failure, never as the write's verdict.</li>
 * </ul>
 * The progress handler runs every {@link #STEPS_PER_CHECK} steps, and a step can write a whole value (up to
 * 64 MiB) to a temporary file or build one in memory: a sort of a few thousand big values writes gigabytes,
 * and takes seconds, between two checks. So statements are also watched from outside: every
 * {@link #WATCH_MILLIS} ms a daemon thread looks at the temporary space for the statements that have a floor,
 * and at the clock for those that have a time limit, and interrupts ({@code sqlite3_interrupt}, which SQLite
 * honours at its next row) those running below their floor or past their time. A work budget without a
 * clock is never interrupted for time: its verdict must be the same on every machine.
 *
 * <p>Used by one thread at a time, like its connection; the watch only sets the stop and interrupts.
 */
public final class StatementDeadline {
    /** Virtual-machine steps between checks: frequent enough for millisecond precision, cheap enough to not show. */
    static final int STEPS_PER_CHECK = 10_000;

    /**
     * A read younger than this is not stopped for low temporary space: the one filling it runs long (writing a
     * gigabyte takes seconds), and another tenant's quick read running in that moment was stopped with it (503
     * {@code storage_full} for reads that need no temporary space; outside probe).
     */
    static final long TEMP_GRACE_NANOS = 250_000_000L;

    /**
     * The same grace for a write: short, since its stop is the machine's failure, tried again later. With the reads'
     * 250 ms, a write on a fast temporary file system filled it within the grace, so that SQLite's own SQLITE_FULL came
     * first, which reads as the write's growth cap: a verdict a copy with more temporary space would not reach
     * (fresh-clone run, TempSpaceIT). Not none: the writes of other tenants, a few milliseconds each, go on while the
     * space is low for a read's sake or the node's (a read filling it is stopped within its own grace).
     */
    static final long WRITE_TEMP_GRACE_NANOS = 20_000_000L;

    /**
     * How often the watch looks at the space for temporary files and at the clock while a bounded statement runs:
     * often enough that a write filling a fast temporary file system from its floor to full is seen on the way
     * (a look costs one {@code statvfs}, only while such a statement runs).
     */
    static final long WATCH_MILLIS = 10;
    private static final Set<StatementDeadline> WATCHED = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-temp-space-watch");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCH.scheduleWithFixedDelay(StatementDeadline::watch, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    private final SQLiteConnection conn;
    /** True from a start with a floor or a time limit until {@link #clear}: the only time the watch may interrupt. Guarded by this. */
    private boolean watched;
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private volatile long checksLeft = Long.MAX_VALUE;
    private volatile long minFreeTemp;
    private volatile boolean stoppedForTempSpace;
    /** When the clock or budget started (System.nanoTime): the space for temporary files stops only reads older than {@link #TEMP_GRACE_NANOS}. */
    private volatile long startedNanos;
    /** The grace the space for temporary files gives a statement: {@link #TEMP_GRACE_NANOS} for reads, {@link #WRITE_TEMP_GRACE_NANOS} for writes. */
    private volatile long tempGraceNanos;
    /** Units of {@link #addWork} since the statements on the limit started, short of a whole check. */
    private long metered;

    private StatementDeadline(SQLiteConnection conn) {
        this.conn = conn;
    }

    static StatementDeadline install(SQLiteConnection conn) throws SQLException {
        StatementDeadline d = new StatementDeadline(conn);
        ProgressHandler.setHandler(conn, STEPS_PER_CHECK, new ProgressHandler() {
            @Override
            protected int progress() {
                return d.exceeded() ? 1 : 0;
            }
        });
        return d;
    }

    private boolean exceeded() {
        if (--checksLeft < 0 || System.nanoTime() - deadlineNanos > 0) return true;
        if (minFreeTemp > 0 && TempSpace.freeBytes() < minFreeTemp && System.nanoTime() - startedNanos >= tempGraceNanos) {
            stoppedForTempSpace = true;
            return true;
        }
        return false;
    }

    /**
     * Starts the clock: statements from now on must finish within {@code timeoutNanos}, and are stopped when
     * less than {@code minFreeTempBytes} is free for SQLite's temporary files (0: never).
     */
    public void start(long timeoutNanos, long minFreeTempBytes) {
        checksLeft = Long.MAX_VALUE;
        metered = 0;
        minFreeTemp = minFreeTempBytes;
        stoppedForTempSpace = false;
        tempGraceNanos = TEMP_GRACE_NANOS;
        startedNanos = System.nanoTime();
        deadlineNanos = startedNanos + timeoutNanos;
        watchIfBounded();
    }

    /** True when the last statement on the clock was stopped because the space for temporary files ran low. */
    public boolean stoppedForTempSpace() {
        return stoppedForTempSpace;
    }

    /** Starts a work budget: the statements from now on may take about {@code maxSteps} virtual-machine steps. */
    public void startSteps(long maxSteps) {
        startSteps(maxSteps, Long.MAX_VALUE);
    }

    /**
     * As {@link #startSteps(long)}, and stopped too once the statements ran {@code maxNanos} of wall time: for
     * work whose stop decides only where it runs, never its outcome (a step can be costly: a sort of big
     * values, a long string built, so steps alone do not bound the time).
     */
    public void startSteps(long maxSteps, long maxNanos) {
        startSteps(maxSteps, maxNanos, 0);
    }

    /**
     * As {@link #startSteps(long, long)}, and stopped too when less than {@code minFreeTempBytes} is free for
     * SQLite's temporary files (0: never). Such a stop depends on the machine: {@link #stoppedForTempSpace}
     * tells it apart from the work budget's, and the caller must not make it the write's verdict.
     */
    public void startSteps(long maxSteps, long maxNanos, long minFreeTempBytes) {
        minFreeTemp = minFreeTempBytes;
        stoppedForTempSpace = false;
        tempGraceNanos = WRITE_TEMP_GRACE_NANOS;
        startedNanos = System.nanoTime();
        checksLeft = Math.max(1, maxSteps / STEPS_PER_CHECK);
        metered = 0;
        deadlineNanos = maxNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + maxNanos;
        watchIfBounded();
    }

    /**
     * Work a function did inside a single SQLite step ({@link MeteredFunctions}): {@code units} bytes compared
     * or scanned, four to a step, added up over the statement and charged against its work budget as if SQLite
     * had run that many steps, so the verdict stays the same on every machine; each whole check's worth also
     * looks at the clock and at the space for temporary files. True when the statement is past a limit: the
     * function then fails it, which {@link SqliteErrors} reads as {@code statement_timeout} (or as the space's
     * failure: {@link #stoppedForTempSpace}).
     */
    boolean addWork(long units) {
        metered += units;
        if (metered < UNITS_PER_CHECK) return false;
        long checks = metered / UNITS_PER_CHECK;
        metered %= UNITS_PER_CHECK;
        checksLeft -= checks - 1;
        return exceeded(); // counts the last check
    }

    /** The units one check of the work budget is worth. */
    static final long UNITS_PER_CHECK = 4L * STEPS_PER_CHECK;

    /** Stops the limit (between statements, and while the connection is idle). */
    public void clear() {
        synchronized (this) {
            watched = false; // from here on the watch interrupts nothing of this connection's next statements
        }
        WATCHED.remove(this);
        deadlineNanos = Long.MAX_VALUE;
        minFreeTemp = 0;
        checksLeft = Long.MAX_VALUE;
        metered = 0;
    }

    private void watchIfBounded() {
        boolean bounded = minFreeTemp > 0 || deadlineNanos != Long.MAX_VALUE;
        synchronized (this) {
            watched = bounded;
        }
        if (bounded) WATCHED.add(this);
        else WATCHED.remove(this);
    }

    private static void watch() {
        if (WATCHED.isEmpty()) return;
        long now = System.nanoTime();
        long free = Long.MAX_VALUE;
        boolean looked = false;
        for (StatementDeadline d : WATCHED) {
            if (d.minFreeTemp > 0 && !looked) {
                free = TempSpace.freeBytesNow();
                looked = true;
            }
            d.interruptIfDue(free, now);
        }
    }

    private synchronized void interruptIfDue(long free, long now) {
        if (!watched) return;
        boolean low = minFreeTemp > 0 && free < minFreeTemp && now - startedNanos >= tempGraceNanos;
        if (!low && now - deadlineNanos <= 0) return;
        if (low) stoppedForTempSpace = true;
        try {
            conn.getDatabase().interrupt();
        } catch (SQLException | RuntimeException e) {
            // the connection is closing: its statement ends anyway
        }
    }
}
