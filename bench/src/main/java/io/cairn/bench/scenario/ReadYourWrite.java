package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import java.time.Duration;
import java.util.List;

/**
 * A write with {@code wait=false}, then a read of that row carrying the write's bookmark, timed as one
 * pair by a single client: how soon a client can see its own write.
 */
public final class ReadYourWrite {
    private ReadYourWrite() {}

    public static Latency measure(CairnClient client, String tenant, String key, Duration warmUp, Duration run) throws Exception {
        ClosedLoop.forDuration(1, warmUp, seq -> pair(client, tenant, key, -1 - seq));
        return ClosedLoop.forDuration(1, run, seq -> pair(client, tenant, key, seq + 1));
    }

    private static void pair(CairnClient client, String tenant, String key, long id) throws Exception {
        String bookmark = client.executeNoWait(tenant, key,
                CairnClient.batch("INSERT INTO kv (id, v) VALUES (?, ?)", List.of(List.of(id, "value-" + id))));
        if (client.query(tenant, key, "SELECT v FROM kv WHERE id = ?", List.of(id), bookmark).size() != 1) {
            throw new IllegalStateException("own write " + id + " not visible at its bookmark");
        }
    }
}
