package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotStoreException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work on the snapshot store done again while the store is unavailable: a retriable failure is retried with
 * a backoff from 1 s doubling to 60 s, for up to {@code retryFor}; any other failure, or one past that, is thrown.
 * Used off the stream thread only (the snapshotter's workers): it sleeps between attempts.
 */
final class StoreRetries {
    private static final Logger log = LoggerFactory.getLogger(StoreRetries.class);

    /** One attempt of the work. */
    @FunctionalInterface
    interface Attempt {
        void run() throws Exception;
    }

    private StoreRetries() {}

    /** Runs {@code attempt} until it succeeds, retrying as above; {@code what} names the work in the log. */
    static void run(String tenant, String what, Duration retryFor, Attempt attempt) throws Exception {
        long deadline = System.nanoTime() + retryFor.toNanos();
        long backoffMs = 1_000;
        while (true) {
            try {
                attempt.run();
                return;
            } catch (SnapshotStoreException e) {
                if (!e.retriable() || System.nanoTime() > deadline) throw e;
                log.warn("tenant {}: snapshot store unavailable ({}); {} again in {} ms", tenant, e.getMessage(), what, backoffMs);
                TimeUnit.MILLISECONDS.sleep(backoffMs);
                backoffMs = Math.min(60_000, backoffMs * 2);
            }
        }
    }
}
