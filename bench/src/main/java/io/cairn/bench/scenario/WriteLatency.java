package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.Latency;
import io.cairn.bench.load.OpenLoop;
import java.time.Duration;
import java.util.List;

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

    private static String insert(long id) {
        return CairnClient.batch("INSERT INTO kv (id, v) VALUES (?, ?)", List.of(List.of(id, "value-" + id)));
    }
}
