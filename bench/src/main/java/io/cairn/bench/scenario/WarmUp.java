package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Every request kind at once for a while before anything is measured: the JIT needs several seconds of
 * traffic through Jetty, Jackson, the Kafka clients and the HttpClient (measured: GET /health goes from
 * ~700 to ~17,000 req/s over its first 9 s on this machine), and a ceiling measured cold would flatter Cairn.
 */
public final class WarmUp {
    private WarmUp() {}

    /** {@code tenant} must have a kv table holding ids 1..1000 ({@link HotRead#fill}). */
    public static void run(CairnClient client, String tenant, String key, Duration duration) throws Exception {
        try (ExecutorService mix = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = List.of(
                    mix.submit(() -> ClosedLoop.forDuration(4, duration, seq -> client.health())),
                    mix.submit(() -> ClosedLoop.forDuration(8, duration, seq -> HotRead.lookup(client, tenant, key, seq))),
                    mix.submit(() -> ClosedLoop.forDuration(4, duration, seq -> CairnClient.retryingRefused(() -> client.execute(tenant, key,
                            CairnClient.batch("INSERT INTO kv (v) VALUES (?)", List.of(List.of("warm"))))))),
                    mix.submit(() -> ClosedLoop.forDuration(4, duration, seq -> CairnClient.retryingRefused(() -> client.executeNoWait(tenant, key,
                            CairnClient.batch("INSERT INTO kv (v) VALUES (?)", List.of(List.of("warm"))))))));
            for (Future<?> f : all) f.get();
        }
    }
}
