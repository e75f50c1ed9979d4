package io.cairn.bench;

import io.cairn.bench.ceiling.HttpFloor;
import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.Latency;
import io.cairn.bench.report.Charts;
import io.cairn.bench.report.Machine;
import io.cairn.bench.report.Report;
import io.cairn.bench.report.Row;
import io.cairn.bench.scenario.GroupCommits;
import io.cairn.bench.scenario.HostileNeighbour;
import io.cairn.bench.scenario.HotRead;
import io.cairn.bench.scenario.ReadYourWrite;
import io.cairn.bench.scenario.Tenants;
import io.cairn.bench.scenario.WarmUp;
import io.cairn.bench.scenario.WriteLatency;
import io.cairn.bench.scenario.WriteThroughput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code ./cairn bench --target http://host:port}: the scenarios that need nothing but the HTTP API, run
 * against a Cairn that is already running (another process, another machine), so the load generator no
 * longer shares the server's JVM. Its only ceiling is that server's HTTP floor ({@code GET /health}); the
 * Kafka and SQLite ceilings, files, snapshots and peers need the stack in-process and stay in the default
 * run. Tenants are named after the run ({@code b<millis in base 36>-…}), so runs against the same server never collide.
 */
public final class TargetRun {
    private final BenchPlan plan;
    private final String target;
    private final String adminToken;
    private final Consumer<String> progress;
    private final List<Row> rows = new ArrayList<>();
    private final Charts charts = new Charts();

    public TargetRun(BenchPlan plan, String target, String adminToken, Consumer<String> progress) {
        this.plan = plan;
        this.target = target;
        this.adminToken = adminToken;
        this.progress = progress;
    }

    public Report run(Path repo, String command) throws Exception {
        Machine machine = Machine.describe(repo);
        long t0 = System.nanoTime();
        String run = "b" + Long.toString(System.currentTimeMillis(), 36);
        try (CairnClient client = new CairnClient(target, adminToken)) {
            progress.accept("warm-up against " + target);
            Tenants.Created one = Tenants.create(client, run + "-single", 3, 1);
            Tenants.createTables(client, one, 1);
            String hot = one.ids().get(1);
            HotRead.fill(client, hot, one.keys().get(hot));
            WarmUp.run(client, hot, one.keys().get(hot), plan.globalWarmUp());

            progress.accept("http floor");
            Latency http = HttpFloor.measure(client, plan.readClients(), plan.warmUp(), plan.readRun());
            rows.add(Row.ceiling("HTTP floor: the target's GET /health, " + plan.readClients() + " clients", "p50", http.p50(), "ms"));
            rows.add(Row.ceiling("HTTP floor: the target's GET /health, " + plan.readClients() + " clients", "throughput", http.perSecond(), "req/s"));
            charts.latency("ceiling: HTTP floor (GET /health), " + plan.readClients() + " clients", http);

            progress.accept("tenant creation (" + plan.tenants() + ")");
            Tenants.Created tenants = Tenants.create(client, run + "-load", plan.tenants(), plan.loadClients());
            rows.add(Row.cairn("Tenant creation, " + plan.loadClients() + " clients", "tenants/s", tenants.latency().perSecond(), "tenants/s"));
            Tenants.createTables(client, tenants, plan.loadClients());

            progress.accept("single write latency (" + plan.writeRate() + " req/s open loop)");
            Latency write = WriteLatency.measure(client, one.ids().get(0), one.keys().get(one.ids().get(0)),
                    plan.writeRate(), plan.warmUp(), plan.writeRun());
            String w = "Single write, wait=true, " + plan.writeRate() + " req/s open loop";
            charts.latency(w, write);
            Latency httpAtRate = HttpFloor.openLoop(client, plan.writeRate(), plan.warmUp(), plan.writeRun());
            rows.add(Row.ceiling("HTTP floor at the single write's rate: the target's GET /health, " + plan.writeRate() + " req/s open loop",
                    "p50", httpAtRate.p50(), "ms"));
            rows.add(Row.cairn(w, "p50", write.p50(), "ms").vs("HTTP p50 at " + plan.writeRate() + " req/s", httpAtRate.p50()));
            rows.add(Row.cairn(w, "p99", write.p99(), "ms"));

            progress.accept("write throughput, batches of 1 and of " + plan.batchSize());
            GroupCommits g0 = GroupCommits.read(client);
            double single = WriteThroughput.measure(client, tenants, 1, plan.singleRequests(), plan.loadClients(), 0);
            rows.add(Row.cairn("Write throughput, batches of 1, " + plan.tenants() + " tenants", "applied", single, "statements/s"));
            GroupCommits g = GroupCommits.read(client).since(g0);
            if (g.commits() > 0) { // the target's /metrics shows its applier only when the applier runs in that process
                rows.add(Row.cairn("Write throughput, batches of 1, " + plan.tenants() + " tenants", "applier: records per group commit",
                        g.recordsPerCommit(), "records"));
            }
            double batched = WriteThroughput.measure(client, tenants, plan.batchSize(), plan.batchRequests(),
                    plan.loadClients(), plan.singleRequests() / plan.tenants());
            rows.add(Row.cairn("Write throughput, batches of " + plan.batchSize() + ", " + plan.tenants() + " tenants", "applied",
                    batched, "statements/s"));

            progress.accept("hot read (" + plan.readClients() + " clients)");
            Latency read = HotRead.measure(client, hot, one.keys().get(hot), plan.readClients(), plan.warmUp(), plan.readRun());
            String r = "Hot read (PK lookup), " + plan.readClients() + " clients";
            charts.latency(r, read);
            rows.add(Row.cairn(r, "p50", read.p50(), "ms").vs("HTTP floor p50", http.p50()).atMostTimesCeiling(1.3));
            rows.add(Row.cairn(r, "throughput", read.perSecond(), "req/s").vs("HTTP floor req/s", http.perSecond()).atLeastOfCeiling(0.85));

            progress.accept("read-your-write pairs");
            Latency ryw = ReadYourWrite.measure(client, one.ids().get(2), one.keys().get(one.ids().get(2)), plan.warmUp(), plan.rywRun());
            rows.add(Row.cairn("Read-your-write pair, 1 client", "p50", ryw.p50(), "ms"));

            progress.accept("single writes beside a hostile tenant");
            Tenants.Created pair = Tenants.create(client, run + "-neighbour", 2, 1);
            Tenants.createTables(client, pair, 1);
            HostileNeighbour.Result beside = HostileNeighbour.measure(client, pair.ids().get(0), pair.keys().get(pair.ids().get(0)),
                    pair.ids().get(1), pair.keys().get(pair.ids().get(1)), plan.writeRate(), plan.warmUp(), plan.writeRun());
            rows.add(Row.cairn("Single write beside a tenant sending runaway writes, " + plan.writeRate() + " req/s", "p99",
                    beside.neighbour().p99(), "ms").vs("single write p99 alone", write.p99()));
        }
        List<String> notes = List.of(
                "Against a running Cairn at " + target + ": the load generator ran in its own JVM (this one), the server in"
                        + " another process. Both still share this machine's " + machine.cores() + " cores when the target is local.",
                "Only the HTTP floor is measured as a ceiling here; Kafka and SQLite ceilings, files, snapshots, tiers and peers"
                        + " need the stack in-process: run ./cairn bench without --target for them.");
        return new Report(machine, "target-" + plan.name(), command, (System.nanoTime() - t0) / 1e9, Machine.currentLoadAverage(),
                List.copyOf(rows), notes);
    }

    public Charts charts() {
        return charts;
    }
}
