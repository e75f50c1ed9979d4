package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Many tenants on one node, nearly all of them cold (issue 12's "100,000 tenants, 99% cold" row): the
 * node's footprint when empty, once every tenant exists and is idle (all hot), and once all but one in a
 * hundred went cold; then a sample of the cold ones read (from their snapshots) and written (a thaw), to
 * show they are still whole. What a cold tenant costs is what the last footprint adds per tenant.
 */
public final class ColdFleet {
    /**
     * Where the tenants' bytes are at one moment: the process, the hot volume (tenant files and the rest), the
     * snapshot store (its objects, without the store's own metadata files).
     */
    public record Footprint(ProcessStats process, long tenantFiles, long tenantFileBytes, long otherHotBytes, long snapshots,
            long snapshotBytes) {}

    /**
     * @param tenants tenants created (each with one small table and one row)
     * @param cold how many of them were frozen
     * @param samples cold tenants read, then written, at the end
     */
    public record Result(int tenants, int cold, Footprint empty, Footprint allHot, Footprint mostlyCold, Latency creation,
            double freezesPerSecond, int samples, Latency coldReads, Latency thawingWrites) {}

    private static final String ROW = "{\"sql\":\"INSERT INTO kv (id, v) VALUES (1, 'a small tenant')\"}";

    private ColdFleet() {}

    /**
     * Creates {@code count} tenants with {@code clients} concurrent requests, freezes all but one in a
     * hundred, and measures the footprints; {@code progress} hears each phase.
     */
    public static Result measure(CairnClient client, Path hotDir, Path snapshotDir, int count, int clients,
            Consumer<String> progress) throws Exception {
        warmUp(client, Math.min(500, Math.max(10, count / 100)), clients, progress);
        Footprint empty = footprint(hotDir, snapshotDir);
        progress.accept("footprint, empty: " + empty);
        progress.accept("open files by kind: " + openFilesByKind());
        progress.accept(String.format("creating %,d tenants", count));
        Tenants.Created created = Tenants.create(client, "fleet", count, clients);
        progress.accept("a table and a row in each");
        ClosedLoop.forCount(clients, count, seq -> {
            String id = created.ids().get((int) seq);
            client.execute(id, created.keys().get(id), "{\"sql\":\"" + Tenants.CREATE_TABLE + "\"}");
            client.execute(id, created.keys().get(id), ROW);
        });
        IdleTenants.awaitAllClosed(client);
        Footprint allHot = footprint(hotDir, snapshotDir);
        progress.accept(String.format("footprint, all hot (created at %.1f/s): %s", created.latency().perSecond(), allHot));

        List<String> toFreeze = created.ids().stream().filter(id -> Integer.parseInt(id.substring(id.indexOf('-') + 1)) % 100 != 0).toList();
        progress.accept(String.format("freezing %,d of them", toFreeze.size()));
        double frozenBefore = frozenCount(client);
        long start = System.nanoTime();
        ClosedLoop.forCount(clients, toFreeze.size(), seq -> client.tier(toFreeze.get((int) seq), "cold"));
        awaitFrozen(client, frozenBefore + toFreeze.size(), progress);
        double freezesPerSecond = toFreeze.size() / ((System.nanoTime() - start) / 1e9);
        ClosedLoop.forCount(clients, toFreeze.size(), seq -> ColdTiers.awaitTier(client, toFreeze.get((int) seq), "cold"));
        IdleTenants.awaitAllClosed(client);
        Footprint mostlyCold = footprint(hotDir, snapshotDir);
        progress.accept(String.format("footprint, 99%% cold (frozen at %.1f/s): %s", freezesPerSecond, mostlyCold));
        progress.accept("open files by kind: " + openFilesByKind());

        int samples = Math.min(100, toFreeze.size());
        progress.accept(samples + " cold tenants read, then written");
        Histogram reads = Latency.histogram();
        Histogram writes = Latency.histogram();
        for (int i = 0; i < samples; i++) {
            String id = toFreeze.get(i * (toFreeze.size() / samples));
            String key = created.keys().get(id);
            long t0 = System.nanoTime();
            long rows = client.query(id, key, "SELECT count(*) AS n FROM kv", List.of(), null).path(0).path(0).asLong(-1);
            Latency.record(reads, System.nanoTime() - t0);
            if (rows != 1) throw new IllegalStateException(id + " read " + rows + " rows from its snapshot, not 1");
            t0 = System.nanoTime();
            client.execute(id, key, "{\"sql\":\"UPDATE kv SET v = 'thawed' WHERE id = 1\"}");
            Latency.record(writes, System.nanoTime() - t0);
        }
        return new Result(count, toFreeze.size(), empty, allHot, mostlyCold, created.latency(), freezesPerSecond, samples,
                Latency.of(reads, 1), Latency.of(writes, 1));
    }

    /**
     * Waits until the applier has frozen {@code total} tenants since it started (its counter, read once a
     * second: polling 100,000 tenants' tiers would take the CPU the freezes need); fails when the count
     * stops moving for five minutes.
     */
    private static void awaitFrozen(CairnClient client, double total, Consumer<String> progress) throws Exception {
        double last = -1;
        long movedAt = System.nanoTime();
        long reportedAt = System.nanoTime();
        while (true) {
            double now = frozenCount(client);
            if (now >= total) return;
            if (now > last) {
                last = now;
                movedAt = System.nanoTime();
            } else if (System.nanoTime() - movedAt > 300_000_000_000L) {
                throw new IllegalStateException(String.format("freezes stopped at %,.0f of %,.0f for five minutes", now, total));
            }
            if (System.nanoTime() - reportedAt > 60_000_000_000L) {
                progress.accept(String.format("frozen %,.0f of %,.0f", now, total));
                reportedAt = System.nanoTime();
            }
            Thread.sleep(1_000); // pacing the polls
        }
    }

    /** {@code cairn_tiers_freezes_total{outcome="frozen"}}: tenants the applier made cold since it started. */
    private static double frozenCount(CairnClient client) throws Exception {
        return client.metric("cairn_tiers_freezes_total", "outcome=\"frozen\"");
    }

    /**
     * Takes {@code count} tenants of their own through every step once (create, write, freeze, read and
     * write while cold, freeze again), so that the JIT's code, the clients' buffers and the threads every step starts are
     * in the footprint the others are compared with, not counted as what the tenants added.
     */
    private static void warmUp(CairnClient client, int count, int clients, Consumer<String> progress) throws Exception {
        progress.accept("warm-up: " + count + " tenants created, written, frozen, read and written again");
        Tenants.Created warm = Tenants.create(client, "warm", count, clients);
        ClosedLoop.forCount(clients, count, seq -> {
            String id = warm.ids().get((int) seq);
            client.execute(id, warm.keys().get(id), "{\"sql\":\"" + Tenants.CREATE_TABLE + "\"}");
            client.execute(id, warm.keys().get(id), ROW);
            client.tier(id, "cold");
            ColdTiers.awaitTier(client, id, "cold");
            client.query(id, warm.keys().get(id), "SELECT count(*) FROM kv", List.of(), null);
            client.execute(id, warm.keys().get(id), "{\"sql\":\"UPDATE kv SET v = 'warm' WHERE id = 1\"}");
            ColdTiers.awaitTier(client, id, "hot");
            client.tier(id, "cold"); // cold again: the footprints count the measured tenants' files only
            ColdTiers.awaitTier(client, id, "cold");
        });
        IdleTenants.awaitAllClosed(client);
    }

    private static Footprint footprint(Path hotDir, Path snapshotDir) throws Exception {
        Path tenantsRoot = new TenantFiles(hotDir).root();
        long files = 0;
        long tenantBytes = 0;
        long otherBytes = 0;
        for (Path p : regularFiles(hotDir)) {
            long size = sizeOrZero(p);
            if (p.startsWith(tenantsRoot)) {
                tenantBytes += size;
                if (p.getFileName().toString().endsWith(".db")) files++;
            } else {
                otherBytes += size;
            }
        }
        long snapshots = 0;
        long snapshotBytes = 0;
        for (Path p : regularFiles(snapshotDir)) {
            if (p.getFileName().toString().endsWith(".meta")) continue;
            snapshots++;
            snapshotBytes += sizeOrZero(p);
        }
        return new Footprint(ProcessStats.now(), files, tenantBytes, otherBytes, snapshots, snapshotBytes);
    }

    /** The regular files under {@code dir}; what is removed while the walk runs (scratch copies) is passed over. */
    private static List<Path> regularFiles(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) return found;
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) found.add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return found;
    }

    /** This process's open descriptors by what they point at: sockets, pipes, and files by their directory. */
    static Map<String, Long> openFilesByKind() throws IOException {
        Map<String, Long> kinds = new TreeMap<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                kinds.merge(kindOf(target), 1L, Long::sum);
            }
        }
        return kinds;
    }

    private static String kindOf(String target) {
        if (target.contains(":")) return target.substring(0, target.indexOf(':')); // socket:[..], pipe:[..], anon_inode:..
        if (target.contains("/kafka/")) return "broker's log";
        if (target.contains("/hot/tenants/")) return "tenant files";
        if (target.contains("/hot/")) return "hot volume, the rest";
        if (target.contains("/snapshots/")) return "snapshot store";
        if (target.endsWith(".jar")) return "jars";
        return "other";
    }

    /** A file removed while the volume is walked (a checkpoint's side file) counts nothing. */
    private static long sizeOrZero(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
