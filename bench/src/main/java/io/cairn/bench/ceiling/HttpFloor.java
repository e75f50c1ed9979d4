package io.cairn.bench.ceiling;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import io.cairn.bench.load.OpenLoop;
import io.cairn.bench.load.ProcessCpu;
import java.time.Duration;

/**
 * {@code GET /health} of the running edge at the hot-read scenario's concurrency: the same server stack
 * (Javalin on Jetty, virtual threads) and the same client doing nearly nothing per request, so no
 * Cairn endpoint can beat it on this machine.
 */
public final class HttpFloor {
    private HttpFloor() {}

    /** The floor's latencies, and the CPU this process spent per request (client and server: both run here). */
    public record Measured(Latency latency, double cpuMicrosPerRequest) {}

    public static Latency measure(CairnClient client, int clients, Duration warmUp, Duration run) throws Exception {
        return measureWithCpu(client, clients, warmUp, run).latency();
    }

    /**
     * {@code GET /health} sent open loop at {@code perSecond}, as the single write is: what an HTTP round trip alone
     * takes at that rate. At a low rate every request wakes the client's and the server's threads from idle, so it
     * costs more than at the closed loop's saturation; no write at that rate can be answered sooner than this plus
     * Kafka's ack.
     */
    public static Latency openLoop(CairnClient client, int perSecond, Duration warmUp, Duration run) throws Exception {
        OpenLoop.run(perSecond, warmUp, seq -> client.health());
        return OpenLoop.run(perSecond, run, seq -> client.health());
    }

    public static Measured measureWithCpu(CairnClient client, int clients, Duration warmUp, Duration run) throws Exception {
        ClosedLoop.forDuration(clients, warmUp, seq -> client.health());
        ProcessCpu cpu = ProcessCpu.start();
        Latency l = ClosedLoop.forDuration(clients, run, seq -> client.health());
        return new Measured(l, cpu.microsPer(l.count()));
    }
}
