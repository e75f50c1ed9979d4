package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.topics.Bookmark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Statements applied per second: batches of {@code batchSize} INSERTs sent with {@code wait=false}
 * round-robin over many tenants by concurrent clients, timed from the first send until every tenant's
 * copy has applied its last write (a read with that write's bookmark). Each tenant's row count is then
 * checked, so a lost or doubled write fails the run instead of flattering it.
 */
public final class WriteThroughput {
    private WriteThroughput() {}

    /** Statements applied per second. {@code rowsBefore}: each tenant's kv rows before this run. */
    public static double measure(CairnClient client, Tenants.Created tenants, int batchSize, int requests, int clients,
            long rowsBefore) throws Exception {
        List<String> ids = tenants.ids();
        if (requests % ids.size() != 0) throw new IllegalArgumentException("requests must be a multiple of the tenants");
        List<List<?>> params = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) params.add(List.of("value-" + i));
        String body = CairnClient.batch("INSERT INTO kv (v) VALUES (?)", params);
        Map<String, Bookmark> last = new ConcurrentHashMap<>();

        long t0 = System.nanoTime();
        ClosedLoop.forCount(clients, requests, seq -> {
            String id = ids.get((int) (seq % ids.size()));
            Bookmark b = Bookmark.parse(client.executeNoWait(id, tenants.keys().get(id), body));
            last.merge(id, b, (x, y) -> x.offset() >= y.offset() ? x : y);
        });
        Map<String, Long> counts = new ConcurrentHashMap<>();
        ClosedLoop.forCount(clients, ids.size(), seq -> {
            String id = ids.get((int) seq);
            Bookmark b = last.get(id);
            JsonNode rows = client.queryAtLeast(id, tenants.keys().get(id), "SELECT count(*) FROM kv", b.toString());
            counts.put(id, rows.path(0).path(0).asLong());
        });
        double seconds = (System.nanoTime() - t0) / 1e9;

        long expected = rowsBefore + (long) requests / ids.size() * batchSize;
        for (String id : ids) {
            if (counts.get(id) != expected) {
                throw new IllegalStateException("tenant " + id + " has " + counts.get(id) + " rows, expected " + expected);
            }
        }
        return (long) requests * batchSize / seconds;
    }
}
