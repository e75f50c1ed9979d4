package io.cairn.bench.ceiling;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import java.time.Duration;

/**
 * {@code GET /health} of the running edge at the hot-read scenario's concurrency: the same server stack
 * (Javalin on Jetty, virtual threads) and the same client doing nearly nothing per request, so no
 * Cairn endpoint can beat it on this machine.
 */
public final class HttpFloor {
    private HttpFloor() {}

    public static Latency measure(CairnClient client, int clients, Duration warmUp, Duration run) throws Exception {
        ClosedLoop.forDuration(clients, warmUp, seq -> client.health());
        return ClosedLoop.forDuration(clients, run, seq -> client.health());
    }
}
