package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.Latency;
import io.cairn.bench.load.ProcessCpu;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Cold tenants: the first read of a cold tenant (the edge fetches its snapshot, verifies and checks it,
 * and reads it) beside a raw GET of the same snapshot object from the same S3 server; the first write
 * (the applier thaws the tenant: download, verify, cold tail, place, then the write); a hot read; how
 * fast a set of tenants freezes; and a storm, every cold tenant of the set read at once.
 */
public final class ColdTiers {
    /**
     * First reads of a cold tenant of {@code megabytes} (served from its snapshot), raw GETs of that
     * snapshot, first writes (which thaw it), hot reads of it.
     */
    public record FirstRead(double megabytes, long storedBytes, Latency cold, Latency rawGet, Latency coldWrite, Latency hot) {}

    /**
     * Writing to {@code tenants} all at once while they are hot (the ceiling of the thaw storm: the same
     * storm without thaws), freezing them at once (and the hot-volume and S3 bytes they hold then),
     * reading them all at once (served from their snapshots, they stay cold), then writing to them all at
     * once again (each write thaws its tenant). {@code hotWriteCpuMicros} and {@code thawWriteCpuMicros}: the process's CPU
     * per write of the two write storms (see {@link io.cairn.bench.load.ProcessCpu}), so a thaw's own cost is their difference.
     */
    public record Storm(int tenants, Latency hotWrites, double freezesPerSecond, long hotBytesFrozen, long s3BytesFrozen, Latency reads,
            Latency writes, double hotWriteCpuMicros, double thawWriteCpuMicros) {}

    private static final String LOOKUP = "SELECT length(v) FROM t WHERE id = 1";
    private static final int ROWS_PER_STATEMENT = 5_000;

    private ColdTiers() {}

    public static FirstRead firstRead(CairnClient client, S3Client s3, String bucket, int megabytes, int samples) throws Exception {
        String tenant = "cold-" + megabytes + "mb";
        String key = client.createTenant(tenant);
        client.execute(tenant, key, "{\"sql\":\"CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)\"}");
        int rows = megabytes * 1_000; // 1,000 hex characters a row: compresses about 2:1, like much real data
        for (int from = 1; from <= rows; from += ROWS_PER_STATEMENT) {
            int to = Math.min(rows, from + ROWS_PER_STATEMENT - 1);
            client.execute(tenant, key, "{\"sql\":\"WITH RECURSIVE c(n) AS (SELECT " + from + " UNION ALL SELECT n + 1 FROM c WHERE n < " + to
                    + ") INSERT INTO t SELECT n, hex(randomblob(500)) FROM c\"}");
        }
        Histogram cold = Latency.histogram();
        Histogram raw = Latency.histogram();
        Histogram hot = Latency.histogram();
        Histogram write = Latency.histogram();
        long stored = 0;
        for (int i = 0; i < samples; i++) {
            freeze(client, tenant);
            long start = System.nanoTime();
            client.query(tenant, key, LOOKUP, List.of(), null);
            Latency.record(cold, System.nanoTime() - start);
            JsonNode snapshot = client.get("/v1/tenants/" + tenant).path("last_snapshot");
            stored = snapshot.path("stored_bytes").asLong();
            GetObjectRequest get = GetObjectRequest.builder().bucket(bucket).key(snapshot.path("key").asText()).build();
            start = System.nanoTime();
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(get);
            Latency.record(raw, System.nanoTime() - start);
            if (bytes.asByteArray().length != stored) throw new IllegalStateException("raw GET of " + tenant + " read " + bytes.asByteArray().length);
            start = System.nanoTime();
            client.execute(tenant, key, "{\"sql\":\"UPDATE t SET v = v WHERE id = 1\"}");
            Latency.record(write, System.nanoTime() - start);
            // The write's answer comes with its outcome; the tenant's new (hot) state reaches the edge's directory a moment
            // later, from another topic: the next freeze must not find it still cold there.
            awaitTier(client, tenant, "hot");
            start = System.nanoTime();
            client.query(tenant, key, LOOKUP, List.of(), null);
            Latency.record(hot, System.nanoTime() - start);
        }
        return new FirstRead(megabytes, stored, Latency.of(cold, 1), Latency.of(raw, 1), Latency.of(write, 1), Latency.of(hot, 1));
    }

    /** See {@link Storm}. */
    public static Storm storm(CairnClient client, Tenants.Created tenants, int clients, Path hotDir) throws Exception {
        List<String> ids = tenants.ids();
        ProcessCpu hotCpu = ProcessCpu.start();
        Latency hotWrites = atOnce(ids, id -> client.execute(id, tenants.keys().get(id), "{\"sql\":\"CREATE TABLE IF NOT EXISTS storm_hot (n)\"}"));
        double hotWriteCpu = hotCpu.microsPer(ids.size());
        long start = System.nanoTime();
        freezeAll(client, ids, clients);
        double freezesPerSecond = ids.size() / ((System.nanoTime() - start) / 1e9);
        TenantFiles files = new TenantFiles(hotDir);
        long hotBytes = 0;
        long s3Bytes = 0;
        for (String id : ids) {
            Path db = files.database(id);
            if (Files.exists(db)) hotBytes += Files.size(db);
            s3Bytes += client.get("/v1/tenants/" + id).path("last_snapshot").path("stored_bytes").asLong();
        }
        Latency reads = atOnce(ids, id -> client.query(id, tenants.keys().get(id), "SELECT count(*) FROM sqlite_schema", List.of(), null));
        // Reads leave them cold: the writes find them cold too.
        ProcessCpu thawCpu = ProcessCpu.start();
        Latency writes = atOnce(ids, id -> client.execute(id, tenants.keys().get(id), "{\"sql\":\"CREATE TABLE IF NOT EXISTS storm (n)\"}"));
        double thawWriteCpu = thawCpu.microsPer(ids.size());
        return new Storm(ids.size(), hotWrites, freezesPerSecond, hotBytes, s3Bytes, reads, writes, hotWriteCpu, thawWriteCpu);
    }

    private interface Touch {
        void run(String tenant) throws Exception;
    }

    /** Every tenant touched at the same moment, one virtual thread each. */
    private static Latency atOnce(List<String> ids, Touch touch) throws Exception {
        Histogram h = Latency.histogram();
        CountDownLatch go = new CountDownLatch(1);
        long[] took = new long[ids.size()];
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                int n = i;
                all.add(threads.submit(() -> {
                    go.await();
                    long t0 = System.nanoTime();
                    touch.run(ids.get(n));
                    took[n] = System.nanoTime() - t0;
                    return null;
                }));
            }
            long start = System.nanoTime();
            go.countDown();
            for (Future<?> f : all) f.get();
            for (long t : took) Latency.record(h, t);
            return Latency.of(h, (System.nanoTime() - start) / 1e9);
        }
    }

    private static void freezeAll(CairnClient client, List<String> ids, int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> asked = new ArrayList<>();
            for (String id : ids) asked.add(pool.submit(() -> client.tier(id, "cold")));
            for (Future<?> f : asked) f.get();
        } finally {
            pool.shutdown();
        }
        for (String id : ids) awaitTier(client, id, "cold");
    }

    private static void freeze(CairnClient client, String tenant) throws Exception {
        client.tier(tenant, "cold");
        awaitTier(client, tenant, "cold");
    }

    static void awaitTier(CairnClient client, String tenant, String tier) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!tier.equals(client.get("/v1/tenants/" + tenant).path("tier").asText())) {
            if (System.nanoTime() > deadline) throw new IllegalStateException(tenant + " not " + tier + " after 5 minutes");
            Thread.sleep(10); // pacing the polls
        }
    }
}
