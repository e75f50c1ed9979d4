package io.cairn.edge.migrate;

import io.cairn.edge.read.CopyTracker;
import io.cairn.edge.read.ReadCopy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a wave's records from piling up in the tenants' logs ahead of the applier. A wave goes out in slices of
 * {@link #SLICE} records; before a slice goes out, the slice {@link #AHEAD} places before it must have been taken by
 * the applier on every partition it reached (its published positions, as the edge's {@link CopyTracker} reads them:
 * every record below is applied, or handed on to its heavy lane or a thaw). The applier's stream thread takes every record of
 * a partition in order, another tenant's write too, and a migration costs it a hand-over to the heavy lane: when a
 * run over 10,000 tenants put its 10,000 records in the logs at once, a write that came just after waited until all
 * of them were handed over (up to 2.3 s on a slow host). Paced, it waits behind at most {@link #AHEAD} slices, and
 * the run is not slower: the heavy lane applies migrations far slower than they are handed to it.
 *
 * <p>When the applier takes nothing of a partition for {@link #STALLED} (stopped, or waiting out a failure of the
 * machine), the rest of the wave goes out unpaced, as before: its records wait for the applier in the log. Not
 * thread-safe: one per wave sent.
 */
final class RunPacer {
    private static final Logger log = LoggerFactory.getLogger(RunPacer.class);
    static final int SLICE = 250;
    static final int AHEAD = 2;
    static final Duration STALLED = Duration.ofSeconds(2);

    private final String runId;
    private final CopyTracker copies;
    private final Duration stalled;
    /** Per slice sent and not yet waited for, the offset after its last record on each partition it reached. */
    private final ArrayDeque<Map<Integer, Long>> ahead = new ArrayDeque<>();
    private boolean paced = true;

    RunPacer(String runId, CopyTracker copies) {
        this(runId, copies, STALLED);
    }

    RunPacer(String runId, CopyTracker copies, Duration stalled) {
        this.runId = runId;
        this.copies = copies;
        this.stalled = stalled;
    }

    /** Before a slice goes out: waits until the applier took the slice {@link #AHEAD} places before it, or stalled. */
    void beforeSlice() throws InterruptedException {
        if (ahead.size() < AHEAD) return;
        Map<Integer, Long> ends = ahead.removeFirst();
        if (!paced) return;
        for (Map.Entry<Integer, Long> e : ends.entrySet()) {
            int partition = e.getKey();
            while (true) {
                long was = copies.next(ReadCopy.PRIMARY, partition);
                if (copies.awaitPassed(ReadCopy.PRIMARY, partition, e.getValue(), stalled)) break;
                if (copies.next(ReadCopy.PRIMARY, partition) == was) {
                    paced = false;
                    log.info("migration run {}: the applier took nothing of partition {} for {} ms (at offset {}); the rest of the wave goes to the log unpaced",
                            runId, partition, stalled.toMillis(), was);
                    return;
                }
            }
        }
    }

    /** A slice went out: the offset after its last record on each partition it reached. */
    void sent(Map<Integer, Long> endsExclusive) {
        ahead.addLast(Map.copyOf(endsExclusive));
    }

    /** False once the applier stalled: slices go out without waiting. */
    boolean paced() {
        return paced;
    }
}
