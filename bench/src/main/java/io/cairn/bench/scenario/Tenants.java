package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tenant creation (measured: each create answers once the tenant is applied and visible) and the
 * table every bench tenant writes to.
 */
public final class Tenants {
    /** Tenants created, in order, with their API keys; and how fast they were created. */
    public record Created(List<String> ids, Map<String, String> keys, Latency latency) {}

    static final String CREATE_TABLE = "CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)";

    private Tenants() {}

    /** Creates {@code prefix-0000 ..} with {@code clients} concurrent admin requests. */
    public static Created create(CairnClient client, String prefix, int count, int clients) throws Exception {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) ids.add(String.format("%s-%05d", prefix, i));
        Map<String, String> keys = new ConcurrentHashMap<>();
        Latency latency = ClosedLoop.forCount(clients, count, seq -> {
            String id = ids.get((int) seq);
            keys.put(id, client.createTenant(id));
        });
        return new Created(List.copyOf(ids), Map.copyOf(keys), latency);
    }

    /** Creates the {@code kv} table in each tenant (waits for each outcome). */
    public static void createTables(CairnClient client, Created tenants, int clients) throws Exception {
        String body = "{\"sql\":\"" + CREATE_TABLE + "\"}";
        ClosedLoop.forCount(clients, tenants.ids().size(), seq -> {
            String id = tenants.ids().get((int) seq);
            client.execute(id, tenants.keys().get(id), body);
        });
    }
}
