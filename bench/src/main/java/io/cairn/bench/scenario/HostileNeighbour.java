package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.Latency;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tenant's single writes (open loop, as {@link WriteLatency}) while another tenant keeps
 * {@link #IN_FLIGHT} writes in the log that run until their work budget stops them (each about a
 * second of the applier's work): what a hostile neighbour costs everyone else. The scenario ends once
 * the hostile tenant's writes are all applied, so they cost nothing to the scenarios after it.
 */
public final class HostileNeighbour {
    static final int IN_FLIGHT = 4;
    private static final String RUNAWAY = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c)"
            + " INSERT INTO kv (id, v) SELECT i, 'x' FROM c WHERE i < 0";

    /** The latency of the neighbour's writes, and how many runaway writes the hostile tenant got in. */
    public record Result(Latency neighbour, long runaways) {}

    private HostileNeighbour() {}

    public static Result measure(CairnClient client, String tenant, String key, String hostile, String hostileKey, int perSecond,
            Duration warmUp, Duration run) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        java.util.ArrayDeque<String> inFlight = new java.util.ArrayDeque<>();
        Thread attacker = Thread.ofPlatform().name("bench-hostile").start(() -> {
            try {
                while (!stop.get()) {
                    if (inFlight.size() == IN_FLIGHT) client.queryAtLeast(hostile, hostileKey, "SELECT 1", inFlight.poll());
                    inFlight.add(client.executeNoWait(hostile, hostileKey, CairnClient.batch(RUNAWAY, java.util.List.of(java.util.List.of()))));
                    sent.incrementAndGet();
                }
                while (!inFlight.isEmpty()) client.queryAtLeast(hostile, hostileKey, "SELECT 1", inFlight.poll());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("the hostile client failed", e);
            }
        });
        try {
            return new Result(WriteLatency.measure(client, tenant, key, perSecond, warmUp, run), sent.get());
        } finally {
            stop.set(true);
            attacker.join();
        }
    }
}
