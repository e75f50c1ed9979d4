package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import io.cairn.bench.load.OpenLoop;
import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;

/**
 * A replica beside the primary (docs/replicas.md): how long it takes to catch up with the whole log from
 * offset 0, its lag behind the primary's acknowledgements under a steady write rate, strong reads beside
 * session reads, and reads spread over two edges (the primary's and the replica's) beside one.
 */
public final class Replicas {
    /** The write rate the replica's lag is measured at (issue 15's figure). */
    public static final int WRITE_RATE = 1_000;

    private Replicas() {}

    /** What was measured. */
    public record Result(long bootstrapRecords, double bootstrapMs, Latency lag, long refused, Latency sessionReads, Latency strongReads,
            Latency strongReplicaReads, Latency oneEdge, Latency twoEdges) {}

    /**
     * @param primary a client of the primary's edge; {@code replica} of the edge reading the replica alone
     * @param replicaDir the replica's directory (its published positions are watched for the lag)
     */
    public static Result measure(Map<String, Object> kafka, CairnClient primary, CairnClient replica, Path replicaDir, String tenant,
            String key, int rate, int readClients, Duration warmUp, Duration run) throws Exception {
        long started = System.nanoTime();
        Map<Integer, Long> ends = ends(kafka);
        try (CopyPositions.Reader positions = CopyPositions.reader(new TenantFiles(replicaDir))) {
            while (!caughtUp(positions.nextOffsets(), ends)) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // pacing the polls
            double bootstrapMs = (System.nanoTime() - started) / 1e6;
            long records = ends.values().stream().mapToLong(Long::longValue).sum();
            LongAdder refused = new LongAdder();
            Latency lag = lag(primary, positions, tenant, key, rate, warmUp, run, refused);
            String sql = "SELECT v FROM kv WHERE id = ?";
            String bookmark = primary.execute(tenant, key, CairnClient.batch("INSERT INTO kv (id, v) VALUES (?, ?)",
                    List.of(List.of(-424242, "replica-read")))).path("bookmark").asText();
            List<?> params = List.of(-424242);
            ClosedLoop.forDuration(1, warmUp, seq -> primary.queryAt(tenant, key, sql, params, "strong", null));
            Latency session = ClosedLoop.forDuration(1, run, seq -> primary.queryAt(tenant, key, sql, params, "session", bookmark));
            Latency strong = ClosedLoop.forDuration(1, run, seq -> primary.queryAt(tenant, key, sql, params, "strong", null));
            Latency strongReplica = ClosedLoop.forDuration(1, run, seq -> replica.queryAt(tenant, key, sql, params, "strong", null));
            ClosedLoop.forDuration(readClients, warmUp, seq -> (seq % 2 == 0 ? primary : replica).query(tenant, key, sql, params, null));
            Latency one = ClosedLoop.forDuration(readClients, run, seq -> primary.query(tenant, key, sql, params, null));
            Latency two = ClosedLoop.forDuration(readClients, run, seq -> (seq % 2 == 0 ? primary : replica).query(tenant, key, sql, params, null));
            return new Result(records, bootstrapMs, lag, refused.sum(), session, strong, strongReplica, one, two);
        }
    }

    /**
     * Writes at {@code rate} (wait=true: acknowledged once the primary applied it) while a watcher reads the
     * replica's published positions every 0.2 ms: each write's lag is from its acknowledgement to the replica
     * holding its offset.
     */
    private static Latency lag(CairnClient primary, CopyPositions.Reader positions, String tenant, String key, int rate, Duration warmUp,
            Duration run, LongAdder refused) throws Exception {
        ConcurrentLinkedQueue<Acked> pending = new ConcurrentLinkedQueue<>();
        Histogram lags = Latency.histogram();
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean done = new AtomicBoolean(false);
        Thread watcher = Thread.ofPlatform().name("replica-lag-watcher").start(() -> {
            List<Acked> waiting = new java.util.ArrayList<>();
            while (!done.get() || !pending.isEmpty() || !waiting.isEmpty()) {
                for (Acked a; (a = pending.poll()) != null; ) waiting.add(a);
                if (!waiting.isEmpty()) {
                    Map<Integer, Long> next;
                    try {
                        next = positions.nextOffsets();
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    long now = System.nanoTime();
                    waiting.removeIf(a -> {
                        if (next.getOrDefault(a.bookmark().partition(), -1L) <= a.bookmark().offset()) return false;
                        if (measuring.get()) Latency.record(lags, now - a.atNanos());
                        return true;
                    });
                }
                LockSupport.parkNanos(200_000); // pacing the polls
            }
        });
        try {
            String body = "INSERT INTO kv (id, v) VALUES (?, ?)";
            OpenLoop.run(rate, warmUp, seq -> write(primary, tenant, key, body, -1_000_000 - seq, pending, refused));
            measuring.set(true);
            long t0 = System.nanoTime();
            OpenLoop.run(rate, run, seq -> write(primary, tenant, key, body, 1_000_000 + seq, pending, refused));
            done.set(true);
            watcher.join();
            return Latency.of(lags, (System.nanoTime() - t0) / 1e9);
        } finally {
            done.set(true);
        }
    }

    /** A write the primary acknowledged, and when. */
    private record Acked(Bookmark bookmark, long atNanos) {}

    /** One write; a 429 (the primary fell a second of writes behind: the tenant's backlog is full) is counted, not a failure. */
    private static void write(CairnClient primary, String tenant, String key, String sql, long id, ConcurrentLinkedQueue<Acked> pending,
            LongAdder refused) throws Exception {
        String b;
        try {
            b = primary.execute(tenant, key, CairnClient.batch(sql, List.of(List.of(id, "r")))).path("bookmark").asText();
        } catch (CairnClient.Refused backlogFull) {
            refused.increment();
            return;
        }
        pending.add(new Acked(Bookmark.parse(b), System.nanoTime()));
    }

    private static boolean caughtUp(Map<Integer, Long> next, Map<Integer, Long> ends) {
        for (Map.Entry<Integer, Long> e : ends.entrySet()) {
            if (e.getValue() > 0 && next.getOrDefault(e.getKey(), -1L) < e.getValue()) return false;
        }
        return true;
    }

    private static Map<Integer, Long> ends(Map<String, Object> kafka) throws Exception {
        try (Admin admin = Admin.create(kafka)) {
            return TopicCatalog.endOffsets(admin, TopicCatalog.TENANT_LOG, Duration.ofSeconds(30));
        }
    }
}
