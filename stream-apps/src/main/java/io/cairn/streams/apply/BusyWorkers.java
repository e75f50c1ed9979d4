package io.cairn.streams.apply;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which of the {@link HeavyLane}'s regular workers apply a group now, and since when. The lane's spare worker takes
 * turns only while every one of them has been on its group for {@link HeavyLaneQueues#SLOW_NANOS} or more: one
 * tenant's write of a few steps, each making tens of megabytes (which no budget counts), then holds one worker, not
 * every other tenant's heavy records behind it (an outside probe saw them wait 40 s). Thread-safe.
 */
final class BusyWorkers {
    private final AtomicLongArray since;

    BusyWorkers(int workers) {
        this.since = new AtomicLongArray(workers);
    }

    /** Worker {@code slot} starts applying a group. */
    void started(int slot) {
        since.set(slot, Math.max(1, System.nanoTime()));
    }

    /** Worker {@code slot} is done with its group. */
    void finished(int slot) {
        since.set(slot, 0);
    }

    /** Whether every regular worker has been on its group for {@link HeavyLaneQueues#SLOW_NANOS} or more. */
    boolean allStuck() {
        long now = System.nanoTime();
        for (int i = 0; i < since.length(); i++) {
            long s = since.get(i);
            if (s == 0 || now - s < HeavyLaneQueues.SLOW_NANOS) return false;
        }
        return true;
    }

    /** Regular workers applying a group now. */
    int busy() {
        int n = 0;
        for (int i = 0; i < since.length(); i++) if (since.get(i) != 0) n++;
        return n;
    }
}
