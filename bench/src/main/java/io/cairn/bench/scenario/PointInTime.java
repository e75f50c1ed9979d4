package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.HdrHistogram.Histogram;

/**
 * Restore, fork, as-of reads, export and import of one tenant of {@code megabytes} MB built by
 * {@code records} log records (one row each, the applier's default snapshot policy on): a restore to a
 * point 5% of the history back, its undo, a fork of the newest content, first and repeated as-of reads of
 * points spread over the history, and exports and imports of the file beside a raw copy of it.
 */
public final class PointInTime {
    /** Everything measured, times in ms, rates in MB/s. */
    public record Result(long fileBytes, int records, double restoreMs, double undoMs, double forkMs, Latency asOfFirst,
            Latency asOfAgain, Latency hotRead, double exportMbPerSecond, double importMbPerSecond, double copyMbPerSecond) {}

    private PointInTime() {}

    public static Result measure(CairnClient client, String admin, Path hotDir, String tenant, int megabytes, int records, int clients,
            int asOfSamples) throws Exception {
        String key = client.createTenant(tenant);
        client.execute(tenant, key, "{\"sql\":\"CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)\"}");
        int payload = Math.max(1, (int) ((long) megabytes * 1_000_000 / records));
        ConcurrentLinkedQueue<Long> offsets = new ConcurrentLinkedQueue<>();
        ClosedLoop.forCount(clients, records, seq -> {
            String row = text(new Random(seq), payload);
            JsonNode w = client.execute(tenant, key, "{\"sql\":\"INSERT INTO t (s) VALUES (?)\",\"params\":[\"" + row + "\"]}");
            offsets.add(offsetOf(w.path("bookmark").asText()));
        });
        List<Long> sorted = new ArrayList<>(offsets);
        Collections.sort(sorted);
        int partition = partitionOf(client.get("/v1/tenants/" + tenant).path("bookmark").asText());
        Path file = new TenantFiles(hotDir).database(tenant);
        long fileBytes = Files.size(file);

        int back = sorted.size() * 95 / 100;
        long t0 = System.nanoTime();
        JsonNode restored = client.admin("POST", "/v1/tenants/" + tenant + "/restore", "{\"bookmark\":\"" + partition + ":"
                + sorted.get(back - 1) + "\"}", 200);
        double restoreMs = (System.nanoTime() - t0) / 1e6;
        expectRows(client, tenant, key, back);
        t0 = System.nanoTime();
        client.admin("POST", "/v1/tenants/" + tenant + "/restore", "{\"bookmark\":\"" + restored.path("undo_bookmark").asText() + "\"}", 200);
        double undoMs = (System.nanoTime() - t0) / 1e6;
        expectRows(client, tenant, key, records);

        t0 = System.nanoTime();
        JsonNode fork = client.admin("POST", "/v1/tenants", "{\"tenant\":\"" + tenant + "-fork\",\"from\":{\"tenant\":\"" + tenant + "\"}}", 201);
        double forkMs = (System.nanoTime() - t0) / 1e6;
        expectRows(client, tenant + "-fork", fork.path("api_key").asText(), records);

        Histogram first = Latency.histogram();
        Histogram again = Latency.histogram();
        Histogram hot = Latency.histogram();
        String lookup = "SELECT length(s) FROM t WHERE id = 1";
        for (int i = 0; i < asOfSamples; i++) {
            long offset = sorted.get((int) ((long) sorted.size() * (i + 1) / (asOfSamples + 1)));
            String body = "{\"sql\":\"" + lookup + "\",\"as_of\":\"" + partition + ":" + offset + "\"}";
            long s = System.nanoTime();
            client.admin("POST", "/v1/tenants/" + tenant + "/query", body, 200);
            Latency.record(first, System.nanoTime() - s);
            for (int j = 0; j < 20; j++) {
                s = System.nanoTime();
                client.admin("POST", "/v1/tenants/" + tenant + "/query", body, 200);
                Latency.record(again, System.nanoTime() - s);
                s = System.nanoTime();
                client.query(tenant, key, lookup, List.of(), null);
                Latency.record(hot, System.nanoTime() - s);
            }
        }

        Path dir = Files.createTempDirectory("cairn-bench-pit-");
        try {
            Path exported = dir.resolve("export.sqlite");
            t0 = System.nanoTime();
            long bytes = client.download("/v1/tenants/" + tenant + "/export?format=sqlite", admin, exported);
            double exportSeconds = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            Files.copy(file, dir.resolve("raw.db"));
            double copySeconds = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            client.upload("/v1/tenants/" + tenant + "-imported/import", exported, 201);
            double importSeconds = (System.nanoTime() - t0) / 1e9;
            return new Result(fileBytes, records, restoreMs, undoMs, forkMs, Latency.of(first, 1), Latency.of(again, 1), Latency.of(hot, 1),
                    bytes / 1e6 / exportSeconds, bytes / 1e6 / importSeconds, fileBytes / 1e6 / copySeconds);
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void expectRows(CairnClient client, String tenant, String key, int rows) throws Exception {
        JsonNode r = client.query(tenant, key, "SELECT count(*) FROM t", List.of(), null);
        if (r.get(0).get(0).asInt() != rows) throw new IllegalStateException(tenant + " holds " + r + " rows, not " + rows);
    }

    private static String text(Random random, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) b.append((char) ('a' + random.nextInt(26)));
        return b.toString();
    }

    private static long offsetOf(String bookmark) {
        return Long.parseLong(bookmark.substring(bookmark.indexOf(':') + 1));
    }

    private static int partitionOf(String bookmark) {
        return Integer.parseInt(bookmark.substring(0, bookmark.indexOf(':')));
    }
}
