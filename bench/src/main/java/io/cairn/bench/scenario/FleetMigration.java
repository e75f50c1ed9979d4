package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fleet migration: {@code tenants} hot tenants, each with a table of {@code rows} rows, brought to a
 * new version (a column and an index on that table) by one run; the time from the run's request until
 * every tenant applied it, and the single-write latency of another tenant alone and while the run goes
 * on. Then tenant creation from a template (one record each, written from the template's prepared file) beside plain
 * creation.
 */
public final class FleetMigration {
    /**
     * @param runSeconds from the run's request to every tenant applied
     * @param writesAlone another tenant's single writes at a fixed rate without a run
     * @param writesDuring the same during the run
     */
    public record Result(int tenants, double runSeconds, int failed, Latency writesAlone, Latency writesDuring, long writesRefused,
            double templatePerSecond, double plainPerSecond) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SET = "bench-fleet";

    private FleetMigration() {}

    public static Result run(CairnClient client, int tenants, int rows, int clients, int writeRate, Duration writeRun, int templates)
            throws Exception {
        Tenants.Created fleet = Tenants.create(client, "fleet", tenants, clients);
        String fill = JSON.writeValueAsString(java.util.Map.of("statements", List.of(
                java.util.Map.of("sql", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
                java.util.Map.of("sql", "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < " + rows
                        + ") INSERT INTO items (id, name) SELECT n, 'item-' || n FROM c"))));
        ClosedLoop.forCount(clients, tenants, seq -> {
            String id = fleet.ids().get((int) seq);
            client.execute(id, fleet.keys().get(id), fill);
        });
        Tenants.Created writer = Tenants.create(client, "fleet-writer", 2, 1); // one for each measurement (their ids restart)
        Tenants.createTables(client, writer, 1);
        String w = writer.ids().getFirst();
        String w2 = writer.ids().get(1);
        client.admin("PUT", "/v1/migrations/" + SET + "/versions/1", "{\"statements\":[\"CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY,"
                + " name TEXT NOT NULL)\"]}", 201);
        client.admin("PUT", "/v1/migrations/" + SET + "/versions/2", "{\"statements\":[\"ALTER TABLE items ADD COLUMN sku TEXT\","
                + "\"CREATE INDEX items_sku ON items (sku)\"]}", 201);

        Latency alone = WriteLatency.measure(client, w, writer.keys().get(w), writeRate, Duration.ofSeconds(1), writeRun);
        Latency during;
        LongAdder refused = new LongAdder();
        double seconds;
        JsonNode status;
        try (ExecutorService side = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Latency> writes = side.submit(() -> WriteLatency.measureRetryingRefused(client, w2, writer.keys().get(w2), writeRate,
                    Duration.ZERO, writeRun, refused));
            long start = System.nanoTime();
            JsonNode started = client.admin("POST", "/v1/migrations/" + SET + "/runs",
                    JSON.writeValueAsString(java.util.Map.of("tenants", fleet.ids())), 202);
            String runId = started.path("run_id").asText();
            while (true) {
                status = client.get("/v1/migrations/" + SET + "/runs/" + runId);
                if (status.path("done").asBoolean()) break;
                Thread.sleep(100); // about how often a dashboard would look (the CLI: every 500 ms); each look counts every tenant of the run
            }
            seconds = (System.nanoTime() - start) / 1e9;
            during = writes.get();
        }
        if (status.path("applied").asInt() + status.path("failed").asInt() != tenants) {
            throw new IllegalStateException("fleet run ended with " + status);
        }
        long t0 = System.nanoTime();
        ClosedLoop.forCount(clients, templates, seq -> client.admin("POST", "/v1/tenants",
                "{\"tenant\":\"" + String.format("tpl-%05d", seq) + "\",\"template\":\"" + SET + "\"}", 201));
        double templateRate = templates / ((System.nanoTime() - t0) / 1e9);
        Tenants.Created plain = Tenants.create(client, "plain", templates, clients);
        return new Result(tenants, seconds, status.path("failed").asInt(), alone, during, refused.sum(), templateRate, plain.latency().perSecond());
    }
}
