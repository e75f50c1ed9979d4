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
        OpenLoop.run(perSecond, warmUp, seq -> client.execute(tenant, key, insert(-1 - seq)));
        return OpenLoop.run(perSecond, run, seq -> client.execute(tenant, key, insert(seq + 1)));
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
