package io.cairn.bench.load;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Sends at a fixed rate whatever the answers do, each request on its own virtual thread, and measures
 * each latency from the request's <em>intended</em> send time: a stall delays every request scheduled
 * during it, and all of that waiting is counted (no coordinated omission).
 */
public final class OpenLoop {
    private OpenLoop() {}

    public static Latency run(int perSecond, Duration duration, Operation op) throws Exception {
        long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
        long total = Math.max(1, duration.toNanos() / period);
        Histogram histogram = Latency.histogram();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < total && failure.get() == null; i++) {
                long intended = start + i * period;
                long wait;
                while ((wait = intended - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
                long seq = i;
                threads.execute(() -> {
                    try {
                        op.run(seq);
                        long took = System.nanoTime() - intended;
                        synchronized (histogram) {
                            Latency.record(histogram, took);
                        }
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
        }
        if (failure.get() != null) throw failure.get();
        return Latency.of(histogram, (System.nanoTime() - start) / 1e9);
    }
}
