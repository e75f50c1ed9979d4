package io.cairn.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A fixed number of clients, each sending its next request as soon as the previous one answered, for
 * a fixed time (or until a number of operations is done). Measures service latency and throughput at
 * that concurrency.
 */
public final class ClosedLoop {
    private ClosedLoop() {}

    /** Runs for {@code duration}. */
    public static Latency forDuration(int clients, Duration duration, Operation op) throws Exception {
        return run(clients, System.nanoTime() + duration.toNanos(), Long.MAX_VALUE, op);
    }

    /** Runs until {@code operations} are done, sequence numbers 0 .. operations-1 handed out in order. */
    public static Latency forCount(int clients, long operations, Operation op) throws Exception {
        return run(clients, Long.MAX_VALUE, operations, op);
    }

    private static Latency run(int clients, long deadline, long operations, Operation op) throws Exception {
        AtomicLong next = new AtomicLong();
        List<Histogram> perClient = new ArrayList<>();
        List<Future<?>> done = new ArrayList<>();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                Histogram h = Latency.histogram();
                perClient.add(h);
                done.add(threads.submit(() -> {
                    long seq;
                    while ((seq = next.getAndIncrement()) < operations && System.nanoTime() < deadline) {
                        long t0 = System.nanoTime();
                        op.run(seq);
                        Latency.record(h, System.nanoTime() - t0);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Histogram all = Latency.histogram();
        perClient.forEach(all::add);
        return Latency.of(all, elapsed);
    }
}
