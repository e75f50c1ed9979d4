package io.cairn.bench;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.report.Machine;
import io.cairn.bench.report.Report;
import io.cairn.bench.report.Row;
import io.cairn.bench.scenario.ColdFleet;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.management.ObjectName;

/**
 * {@code ./cairn bench --cold-fleet [N]}: N tenants (100,000 by default) on one node, 99% of them cold
 * (see {@link ColdFleet}). Not part of the default run: filling and freezing 100,000 tenants takes about
 * half an hour on a 2-core machine. Snapshots go to the local-directory snapshot store, not into the
 * in-process S3 server's memory, so the memory rows are the node's own; the materializer is not started
 * (DynamoDB is a service elsewhere). Results in {@code bench/results/cold-fleet.md}.
 */
public final class ColdFleetRun {
    static final String PLAN = "cold-fleet";
    private final int tenants;
    private final int clients;
    private final Path dataDir;
    private final Consumer<String> progress;

    public ColdFleetRun(int tenants, int clients, Path dataDir, Consumer<String> progress) {
        this.tenants = tenants;
        this.clients = clients;
        this.dataDir = dataDir;
        this.progress = progress;
    }

    public Report run(Path repo, String command) throws Exception {
        Machine machine = Machine.describe(repo);
        long t0 = System.nanoTime();
        progress.accept("starting the stack (snapshots in a local directory)");
        Path snapshots = dataDir.resolve("snapshots");
        try (BenchStack stack = BenchStack.start(dataDir.resolve("stack"), snapshots);
             CairnClient client = new CairnClient(stack.httpPort(), BenchStack.ADMIN_TOKEN)) {
            ColdFleet.Result r = ColdFleet.measure(client, stack.hotDir(), snapshots, tenants, clients, progress);
            progress.accept("the heap's largest classes now (what the tenants' memory is made of):\n" + heapHistogram(60));
            List<Row> rows = rows(r);
            List<String> notes = List.of(
                    "One process: broker, applier, edge, an idle S3 server and an empty DynamoDB Local; \"added\" is the "
                            + "difference to the same process before the first tenant.",
                    "Snapshots go to the local-directory snapshot store (the same sealed, compressed objects S3 would hold): "
                            + "the in-process s3proxy would hold them in this process's memory, or, on disk, froze 9 tenants/s here against 77/s in memory.",
                    "Each tenant holds one table and one row; frozen with POST /v1/tenants/{t}/tier, " + clients + " requests at once; "
                            + "every footprint is taken once the applier has closed every idle file, the first after a warm-up "
                            + "(1% of the tenants, at most 500, of their own, through every step once).",
                    "Hot-volume bytes are file sizes (directory entries not counted); 'the rest' is the applier's registry "
                            + "and positions files and the Kafka Streams state directory.");
            return new Report(machine, PLAN, command, (System.nanoTime() - t0) / 1e9, Machine.currentLoadAverage(), rows, notes);
        }
    }

    static List<Row> rows(ColdFleet.Result r) {
        String s = String.format("%,d tenants on one node, %,d of them cold", r.tenants(), r.cold());
        ColdFleet.Footprint e = r.empty();
        ColdFleet.Footprint hot = r.allHot();
        ColdFleet.Footprint cold = r.mostlyCold();
        int hotTenants = r.tenants() - r.cold();
        List<Row> rows = new ArrayList<>();
        rows.add(Row.cairn(s, "creation rate", r.creation().perSecond(), "tenants/s"));
        rows.add(Row.cairn(s, "freeze rate", r.freezesPerSecond(), "tenants/s"));
        rows.add(Row.cairn(s, "RSS added, all hot and idle", mb(hot.process().rssBytes() - e.process().rssBytes()), "MB"));
        rows.add(Row.cairn(s, "RSS added, 99% cold", mb(cold.process().rssBytes() - e.process().rssBytes()), "MB"));
        rows.add(Row.cairn(s, "heap added (after GC), all hot and idle", mb(hot.process().heapUsedBytes() - e.process().heapUsedBytes()), "MB"));
        rows.add(Row.cairn(s, "heap added (after GC), 99% cold", mb(cold.process().heapUsedBytes() - e.process().heapUsedBytes()), "MB"));
        rows.add(Row.cairn(s, "heap committed added, 99% cold (part of the RSS)",
                mb(cold.process().heapCommittedBytes() - e.process().heapCommittedBytes()), "MB"));
        rows.add(Row.cairn(s, "open files added, 99% cold", cold.process().openFiles() - e.process().openFiles(), "files"));
        rows.add(Row.cairn(s, "sockets added, 99% cold", cold.process().sockets() - e.process().sockets(), "sockets"));
        rows.add(Row.cairn(s, "tenant files on the hot volume, all hot", hot.tenantFiles(), "files"));
        rows.add(Row.cairn(s, "tenant files on the hot volume, 99% cold", cold.tenantFiles(), "files").atMost(hotTenants));
        rows.add(Row.cairn(s, "hot-volume bytes, tenant files, all hot", hot.tenantFileBytes(), "bytes"));
        rows.add(Row.cairn(s, "hot-volume bytes, tenant files, 99% cold", cold.tenantFileBytes(), "bytes"));
        rows.add(Row.cairn(s, "hot-volume bytes, the rest (registry, positions, Streams state), 99% cold", cold.otherHotBytes(), "bytes"));
        rows.add(Row.cairn(s, "hot-volume bytes of the rest per tenant", (double) (cold.otherHotBytes() - e.otherHotBytes()) / r.tenants(),
                "bytes"));
        rows.add(Row.cairn(s, "snapshot bytes, 99% cold", cold.snapshotBytes(), "bytes"));
        rows.add(Row.cairn(s, "snapshot bytes per cold tenant (its cost while idle)", (double) (cold.snapshotBytes() - e.snapshotBytes()) / r.cold(),
                "bytes"));
        rows.add(Row.cairn(s, "snapshots, 99% cold", cold.snapshots(), "objects"));
        rows.add(Row.cairn(s, "first read of a cold tenant p50 (" + r.samples() + " of them, one at a time)", r.coldReads().p50(), "ms"));
        rows.add(Row.cairn(s, "first write of a cold tenant p50 (thaws it; the same " + r.samples() + ")", r.thawingWrites().p50(), "ms"));
        return rows;
    }

    /** The first {@code lines} lines of the JVM's class histogram (as {@code jcmd GC.class_histogram} prints it). */
    static String heapHistogram(int lines) {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return String.join("\n", out.toString().lines().limit(lines).toList());
        } catch (Exception e) {
            return "(no class histogram: " + e + ")";
        }
    }

    private static double mb(long bytes) {
        return bytes / 1048576.0;
    }
}
