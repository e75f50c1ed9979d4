package io.cairn.bench.scenario;

import io.cairn.edge.access.AccessRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What counting a request costs the edge: {@code threads} threads record reads into one
 * {@link AccessRecorder}, half on one hot tenant (its counts behind one lock) and half spread over
 * 1,000 tenants, with a drain every 10 ms (a window 1,000 times shorter than the edge's, so draining is
 * well represented). Reported as CPU-nanoseconds per recorded request: elapsed time times the cores the
 * threads could use (at most one each) over calls.
 */
public final class AccessCost {
    private AccessCost() {}

    public static double nanosPerRequest(int threads, Duration run) throws Exception {
        AccessRecorder recorder = new AccessRecorder();
        long end = System.nanoTime() + run.toNanos();
        long start = System.nanoTime();
        List<Future<Long>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads + 1)) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    long calls = 0;
                    for (int i = 0; System.nanoTime() < end; i++) {
                        String tenant = i % 2 == 0 ? "hot" : "t" + ((i * 31 + thread) % 1_000);
                        recorder.read(tenant, 0, 1, 120, 80);
                        calls++;
                    }
                    return calls;
                }));
            }
            pool.submit(() -> {
                while (System.nanoTime() < end) {
                    recorder.drain();
                    Thread.sleep(10); // the window
                }
                return null;
            });
            long calls = 0;
            for (Future<Long> f : done) calls += f.get();
            int cores = Math.min(threads, Runtime.getRuntime().availableProcessors());
            return (System.nanoTime() - start) * (double) cores / calls;
        }
    }
}
