package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.Latency;
import io.cairn.bench.load.OpenLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One single-statement write per request, {@code wait=true} (answered once applied), sent open-loop at
 * a fixed rate: the latency a client sees, from the intended send time to the applied answer.
 */
public final class WriteLatency {
    private WriteLatency() {}

    public static Latency measure(CairnClient client, String tenant, String key, int perSecond, Duration warmUp,
            Duration run) throws Exception {
        return measureSettled(client, tenant, key, perSecond, warmUp, run, 1).latency();
    }

    /** What {@link #measureSettled} measured: the last round, and how many rounds it took to settle. */
    public record Settled(Latency latency, int rounds) {}

    /**
     * As {@link #measure}, in rounds of {@code run}, until a round's p50 is within 15% of the round before it, at most
     * {@code maxRounds}: the last round is the write's. On a slow host the JVM was still compiling the write's path for
     * minutes after the bench's warm-up (a probe: p50 17.7, 10.2, 7.5, 4.2, 4.6, 5.0, 3.1 ms in 20 s rounds from start,
     * RESULTS.md, sixtieth session), and one round measured that, not the write.
     */
    public static Settled measureSettled(CairnClient client, String tenant, String key, int perSecond, Duration warmUp,
            Duration run, int maxRounds) throws Exception {
        OpenLoop.run(perSecond, warmUp, seq -> client.execute(tenant, key, insert(-1 - seq)));
        Latency last = null;
        for (int round = 1; ; round++) {
            long base = (round - 1) * 100_000_000L; // each round's ids its own; the first round's from 1, as ever
            Latency now = OpenLoop.run(perSecond, run, seq -> client.execute(tenant, key, insert(base + seq + 1)));
            boolean settled = last != null && Math.abs(now.p50() - last.p50()) <= 0.15 * last.p50();
            if (settled || round >= maxRounds) return new Settled(now, round);
            last = now;
        }
    }

    /**
     * As {@link #measure}, but a write answered 429 (the tenant's backlog of waiting writes is full) is
     * counted in {@code refused} and sent again 10 ms later, as a client honouring the backpressure would;
     * its latency runs from its first intended send to the applied answer.
     */
    public static Latency measureRetryingRefused(CairnClient client, String tenant, String key, int perSecond, Duration warmUp,
            Duration run, LongAdder refused) throws Exception {
        OpenLoop.run(perSecond, warmUp, seq -> untilAccepted(client, tenant, key, insert(-1 - seq), refused));
        return OpenLoop.run(perSecond, run, seq -> untilAccepted(client, tenant, key, insert(seq + 1), refused));
    }

    private static void untilAccepted(CairnClient client, String tenant, String key, String body, LongAdder refused) throws Exception {
        while (true) {
            try {
                client.execute(tenant, key, body);
                return;
            } catch (CairnClient.Refused backlogFull) {
                refused.increment();
                Thread.sleep(10); // a client's pause before sending again
            }
        }
    }

    private static String insert(long id) {
        return CairnClient.batch("INSERT INTO kv (id, v) VALUES (?, ?)", List.of(List.of(id, "value-" + id)));
    }
}
