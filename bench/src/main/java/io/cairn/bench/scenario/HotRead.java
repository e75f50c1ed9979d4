package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Primary-key lookups on one tenant by concurrent clients (closed loop): the read path at its busiest. */
public final class HotRead {
    private static final int ROWS = 1_000;

    private HotRead() {}

    /** Inserts ids 1..1000 into the tenant's kv table. */
    public static void fill(CairnClient client, String tenant, String key) throws Exception {
        for (int from = 1; from <= ROWS; from += 100) {
            List<List<?>> params = new ArrayList<>();
            for (int id = from; id < from + 100; id++) params.add(List.of(id, "value-" + id));
            client.execute(tenant, key, CairnClient.batch("INSERT INTO kv (id, v) VALUES (?, ?)", params));
        }
    }

    /** Run after {@link #fill}. */
    public static Latency measure(CairnClient client, String tenant, String key, int clients, Duration warmUp, Duration run)
            throws Exception {
        ClosedLoop.forDuration(clients, warmUp, seq -> lookup(client, tenant, key, seq));
        return ClosedLoop.forDuration(clients, run, seq -> lookup(client, tenant, key, seq));
    }

    static void lookup(CairnClient client, String tenant, String key, long seq) throws Exception {
        long id = 1 + new SplittableRandom(seq).nextInt(ROWS);
        if (client.query(tenant, key, "SELECT v FROM kv WHERE id = ?", List.of(id), null).size() != 1) {
            throw new IllegalStateException("row " + id + " missing");
        }
    }
}
