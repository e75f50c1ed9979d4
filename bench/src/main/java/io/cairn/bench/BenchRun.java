package io.cairn.bench;

import io.cairn.bench.ceiling.HttpFloor;
import io.cairn.bench.ceiling.KafkaCeiling;
import io.cairn.bench.ceiling.MigrationCeiling;
import io.cairn.bench.ceiling.SqliteCeiling;
import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.Latency;
import io.cairn.bench.load.ProcessCpu;
import io.cairn.bench.peer.PostgresPeer;
import io.cairn.bench.report.Machine;
import io.cairn.bench.report.Report;
import io.cairn.bench.report.Charts;
import io.cairn.bench.report.Row;
import io.cairn.bench.scenario.AccessCost;
import io.cairn.bench.scenario.ColdTiers;
import io.cairn.bench.scenario.ControlPlaneScenarios;
import io.cairn.bench.scenario.EncryptionCost;
import io.cairn.bench.scenario.FileCheck;
import io.cairn.bench.scenario.GroupCommits;
import io.cairn.bench.scenario.HostileNeighbour;
import io.cairn.bench.scenario.ClientOverhead;
import io.cairn.bench.scenario.HotRead;
import io.cairn.bench.scenario.FleetMigration;
import io.cairn.bench.scenario.IdleTenants;
import io.cairn.bench.scenario.ReadYourWrite;
import io.cairn.bench.scenario.Replicas;
import io.cairn.bench.scenario.PointInTime;
import io.cairn.bench.scenario.SnapshotHeal;
import io.cairn.bench.scenario.Tenants;
import io.cairn.bench.scenario.WarmUp;
import io.cairn.bench.scenario.WriteLatency;
import io.cairn.bench.scenario.WriteThroughput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One bench run: the ceilings first (raw SQLite, raw Kafka on the stack's broker, the edge's HTTP
 * floor), then Cairn's scenarios on the same stack, each row set against its ceiling and target.
 * Idle tenants go last: they measure what everything before left behind plus what they add.
 */
public final class BenchRun {
    /** CPU of the whole process (generator, edge, broker, applier, JVM) per operation: see {@link ProcessCpu}. */
    static final String CPU_METRIC = "CPU per operation (whole process)";
    /** Rounds of the single write's run, at most, until two in a row agree: the last is the write's (WriteLatency.measureSettled). */
    private static final int SINGLE_WRITE_ROUNDS = 6;

    /** Files the fleet migration's ceiling migrates (plus one to warm up): enough for a steady rate, few enough to fill in seconds. */
    private static final int FLEET_CEILING_FILES = 301;
    private final BenchPlan plan;
    private final Path dataDir;
    private final Consumer<String> progress;
    private final List<Row> rows = new ArrayList<>();
    private final Charts charts = new Charts();

    public BenchRun(BenchPlan plan, Path dataDir, Consumer<String> progress) {
        this.plan = plan;
        this.dataDir = dataDir;
        this.progress = progress;
    }

    public Report run(Path repo, String command) throws Exception {
        Machine machine = Machine.describe(repo);
        long t0 = System.nanoTime();
        step("sqlite ceiling");
        SqliteCeiling.Result sqlite = SqliteCeiling.measure(dataDir.resolve("ceiling.db"), plan.sqliteRows(), plan.sqliteReads());
        step("starting the stack (embedded Kafka, applier, edge)");
        try (BenchStack stack = BenchStack.start(dataDir.resolve("stack"));
             CairnClient client = new CairnClient(stack.httpPort(), BenchStack.ADMIN_TOKEN)) {
            step("warm-up (" + plan.globalWarmUp().toSeconds() + " s of every request kind)");
            Tenants.Created one = Tenants.create(client, "single", 3, 1);
            Tenants.createTables(client, one, 1);
            String hot = one.ids().get(1);
            HotRead.fill(client, hot, one.keys().get(hot));
            WarmUp.run(client, hot, one.keys().get(hot), plan.globalWarmUp());

            step(stack, "kafka ceiling");
            KafkaCeiling.Result kafka = KafkaCeiling.measure(stack.kafkaClientProps(), plan.writeRate(), plan.kafkaRun(),
                    plan.kafkaRecords(), plan.recordBytes());
            step(stack, "http floor");
            HttpFloor.Measured floor = HttpFloor.measureWithCpu(client, plan.readClients(), plan.warmUp(), plan.readRun());
            Latency http = floor.latency();
            ceilings(sqlite, kafka, http);
            rows.add(Row.ceiling("HTTP floor: edge GET /health, " + plan.readClients() + " clients", CPU_METRIC,
                    floor.cpuMicrosPerRequest(), "us/request"));
            charts.latency("ceiling: Kafka ack, " + plan.writeRate() + " rec/s", kafka.ack());
            charts.latency("ceiling: HTTP floor (GET /health), " + plan.readClients() + " clients", http);

            step(stack, "tenant creation (" + plan.tenants() + ")");
            ProcessCpu creationCpu = ProcessCpu.start();
            Tenants.Created tenants = Tenants.create(client, "load", plan.tenants(), plan.loadClients());
            double cpuPerTenant = creationCpu.microsPer(plan.tenants());
            rows.add(Row.cairn("Tenant creation, " + plan.loadClients() + " clients", "tenants/s",
                    tenants.latency().perSecond(), "tenants/s").atLeast(3_000));
            rows.add(Row.cairn("Tenant creation, " + plan.loadClients() + " clients", CPU_METRIC, cpuPerTenant, "us/tenant"));
            Tenants.createTables(client, tenants, plan.loadClients());

            step(stack, "single write latency (" + plan.writeRate() + " req/s open loop)");
            WriteLatency.Settled settled = WriteLatency.measureSettled(client, one.ids().get(0), one.keys().get(one.ids().get(0)),
                    plan.writeRate(), plan.warmUp(), plan.writeRun(), SINGLE_WRITE_ROUNDS);
            Latency write = settled.latency();
            String w = "Single write, wait=true, " + plan.writeRate() + " req/s open loop";
            rows.add(Row.cairn(w, "rounds until its p50 settled (within 15% of the round before; at most " + SINGLE_WRITE_ROUNDS + ")",
                    settled.rounds(), "rounds"));
            charts.latency(w, write);
            rows.add(Row.cairn(w, "p50", write.p50(), "ms").vs("Kafka ack p50", kafka.ack().p50()).atMostTimesCeiling(2));
            // What the write cannot go below: an HTTP round trip at the same rate, and Kafka's ack (RESULTS.md, 59th session).
            Latency httpAtRate = HttpFloor.openLoop(client, plan.writeRate(), plan.warmUp(), plan.writeRun());
            String hr = "HTTP floor at the single write's rate: edge GET /health, " + plan.writeRate() + " req/s open loop";
            rows.add(Row.ceiling(hr, "p50", httpAtRate.p50(), "ms"));
            rows.add(Row.ceiling(hr, "p99", httpAtRate.p99(), "ms"));
            rows.add(Row.cairn(w, "p50 beside both floors", write.p50(), "ms")
                    .vs("Kafka ack p50 + HTTP p50 at " + plan.writeRate() + " req/s", kafka.ack().p50() + httpAtRate.p50()));
            rows.add(Row.cairn(w, "p99", write.p99(), "ms").vs("Kafka ack p99", kafka.ack().p99()).atMost(20));
            rows.add(Row.cairn(w, "p99.9", write.p999(), "ms").vs("Kafka ack p99.9", kafka.ack().p999()));

            step(stack, "write throughput, batches of 1");
            GroupCommits g0 = GroupCommits.read(client);
            ProcessCpu singleCpu = ProcessCpu.start();
            double single = WriteThroughput.measure(client, tenants, 1, plan.singleRequests(), plan.loadClients(), 0);
            double cpuPerSingle = singleCpu.microsPer(plan.singleRequests());
            String t1 = "Write throughput, batches of 1, " + plan.tenants() + " tenants";
            rows.add(Row.cairn(t1, "applied", single, "statements/s").vs("HTTP floor req/s", http.perSecond()).atLeastOfCeiling(0.5));
            rows.add(Row.cairn(t1, CPU_METRIC, cpuPerSingle, "us/statement").vs("HTTP floor us/request", floor.cpuMicrosPerRequest()));
            groupRows(t1, GroupCommits.read(client).since(g0));
            step(stack, "write throughput, batches of " + plan.batchSize());
            GroupCommits g1 = GroupCommits.read(client);
            ProcessCpu batchCpu = ProcessCpu.start();
            double batched = WriteThroughput.measure(client, tenants, plan.batchSize(), plan.batchRequests(),
                    plan.loadClients(), plan.singleRequests() / plan.tenants());
            double cpuPerBatched = batchCpu.microsPer((double) plan.batchRequests() * plan.batchSize());
            String t100 = "Write throughput, batches of " + plan.batchSize() + ", " + plan.tenants() + " tenants";
            rows.add(Row.cairn(t100, "applied", batched, "statements/s").vs("SQLite rows/s", sqlite.insertRowsPerSecond())
                    .atLeastOfCeiling(0.2));
            rows.add(Row.cairn(t100, CPU_METRIC, cpuPerBatched, "us/statement"));
            groupRows(t100, GroupCommits.read(client).since(g1));

            // The floor again, in the conditions the read meets: in full runs the hot read beat the floor measured
            // minutes earlier, right after Kafka's saturation ceiling, by 1.45-1.80x (RESULTS.md, fifty-eighth session).
            step(stack, "http floor again, then hot read (" + plan.readClients() + " clients)");
            Latency floorNow = HttpFloor.measure(client, plan.readClients(), plan.warmUp(), plan.readRun());
            String fa = "HTTP floor again, just before the hot read: GET /health, " + plan.readClients() + " clients";
            rows.add(Row.ceiling(fa, "p50", floorNow.p50(), "ms"));
            rows.add(Row.ceiling(fa, "throughput", floorNow.perSecond(), "req/s"));
            Latency read = HotRead.measure(client, hot, one.keys().get(hot), plan.readClients(),
                    plan.warmUp(), plan.readRun());
            String r = "Hot read (PK lookup), " + plan.readClients() + " clients";
            charts.latency(r, read);
            rows.add(Row.cairn(r, "p50", read.p50(), "ms").vs("HTTP floor p50 just before", floorNow.p50()).atMostTimesCeiling(1.3));
            rows.add(Row.cairn(r, "p99", read.p99(), "ms").vs("HTTP floor p99 just before", floorNow.p99()));
            rows.add(Row.cairn(r, "throughput", read.perSecond(), "req/s").vs("HTTP floor req/s just before", floorNow.perSecond())
                    .atLeastOfCeiling(0.85));

            step(stack, "the Java client beside raw HTTP (" + plan.readClients() + " clients)");
            ClientOverhead.Result co = ClientOverhead.measure(client, stack.httpPort(), hot, one.keys().get(hot), plan.readClients(),
                    plan.warmUp(), plan.readRun());
            String jr = "Java client (clients/java), PK lookups, " + plan.readClients() + " clients";
            rows.add(Row.cairn(jr, "p50", co.clientReads().p50(), "ms").vs("raw HTTP p50", co.rawReads().p50()));
            rows.add(Row.cairn(jr, "throughput", co.clientReads().perSecond(), "req/s").vs("raw HTTP req/s", co.rawReads().perSecond()));
            String cw = "Java client (clients/java), single writes (Idempotency-Key each), " + plan.readClients() + " clients";
            rows.add(Row.cairn(cw, "p50", co.clientWrites().p50(), "ms").vs("raw HTTP p50, same key", co.rawWrites().p50()));
            rows.add(Row.cairn(cw, "throughput", co.clientWrites().perSecond(), "req/s").vs("raw HTTP req/s, same key", co.rawWrites().perSecond()));
            String ik = "Idempotency-Key on single writes (raw HTTP), " + plan.readClients() + " clients";
            rows.add(Row.cairn(ik, "p50 with a key", co.rawWrites().p50(), "ms").vs("p50 without", co.rawWritesWithoutKey().p50()));
            rows.add(Row.cairn(ik, "throughput with a key", co.rawWrites().perSecond(), "req/s").vs("without", co.rawWritesWithoutKey().perSecond()));

            step(stack, "peer: PostgreSQL, the same workloads over JDBC");
            peers(stack, new Measured(write, single, batched, read));

            step(stack, "read-your-write pairs");
            Latency ryw = ReadYourWrite.measure(client, one.ids().get(2), one.keys().get(one.ids().get(2)), plan.warmUp(), plan.rywRun());
            rows.add(Row.cairn("Read-your-write pair, 1 client", "p50", ryw.p50(), "ms").vs("Kafka ack p50", kafka.ack().p50()));
            charts.latency("Read-your-write pair, 1 client", ryw);
            rows.add(Row.cairn("Read-your-write pair, 1 client", "p99", ryw.p99(), "ms").vs("Kafka ack p99", kafka.ack().p99()));

            step(stack, "a replica: catching up from offset 0, its lag at " + Replicas.WRITE_RATE + " writes/s, strong and session reads, two edges");
            try (BenchStack.Replica replica = stack.startReplica(); CairnClient replicaEdge = new CairnClient(replica.httpPort(), BenchStack.ADMIN_TOKEN)) {
                String rt = one.ids().get(2);
                Replicas.Result rep = Replicas.measure(stack.kafkaClientProps(), client, replicaEdge, replica.dir(), rt, one.keys().get(rt),
                        Replicas.WRITE_RATE, plan.readClients(), plan.warmUp(), plan.writeRun());
                rows.add(Row.cairn(String.format("Replica catching up with the whole log from offset 0 (%,d records)", rep.bootstrapRecords()),
                        "caught up in", rep.bootstrapMs(), "ms"));
                String lag = "Replica lag behind the primary's acknowledgements, " + Replicas.WRITE_RATE + " writes/s (1 tenant, wait=true)";
                charts.latency(lag, rep.lag());
                rows.add(Row.cairn(lag, "p50", rep.lag().p50(), "ms"));
                rows.add(Row.cairn(lag, "p99", rep.lag().p99(), "ms").atMost(100));
                rows.add(Row.cairn(lag, "writes refused (429: the primary a second of writes behind)", rep.refused(), "writes").atMost(0));
                String sr = "Strong read (the log's end at arrival) on the primary, 1 client";
                rows.add(Row.cairn(sr, "p50", rep.strongReads().p50(), "ms").vs("session read p50", rep.sessionReads().p50()));
                rows.add(Row.cairn(sr, "p99", rep.strongReads().p99(), "ms").vs("session read p99", rep.sessionReads().p99()));
                rows.add(Row.cairn("Strong read on the replica's edge, 1 client", "p50", rep.strongReplicaReads().p50(), "ms")
                        .vs("on the primary", rep.strongReads().p50()));
                rows.add(Row.cairn("PK reads over two edges (primary's, replica's), " + plan.readClients() + " clients", "throughput",
                        rep.twoEdges().perSecond(), "req/s").vs("one edge", rep.oneEdge().perSecond()));
            }

            step(stack, "single writes beside a hostile tenant");
            Tenants.Created pair = Tenants.create(client, "neighbour", 2, 1);
            Tenants.createTables(client, pair, 1);
            HostileNeighbour.Result beside = HostileNeighbour.measure(client, pair.ids().get(0), pair.keys().get(pair.ids().get(0)),
                    pair.ids().get(1), pair.keys().get(pair.ids().get(1)), plan.writeRate(), plan.warmUp(), plan.writeRun());
            String h = "Single write beside a tenant sending runaway writes, " + plan.writeRate() + " req/s";
            charts.latency(h, beside.neighbour());
            rows.add(Row.cairn(h, "p50", beside.neighbour().p50(), "ms").vs("single write p50 alone", write.p50()));
            rows.add(Row.cairn(h, "p99", beside.neighbour().p99(), "ms").vs("single write p99 alone", write.p99()));
            rows.add(Row.cairn(h, "runaway writes sent", beside.runaways(), "writes"));

            step(stack, "file check before first read, heal of a lost file");
            FileCheck.Result check = FileCheck.measure(client, stack.hotDir(), plan.fileCheckMegabytes());
            rows.add(Row.cairn(String.format("File check (quick_check) of a %.0f MB tenant", check.bytes() / 1e6), "duration",
                    check.millis(), "ms"));
            rows.add(Row.cairn(String.format("Heal of the same tenant's lost file (rebuilt from the log, %.0f MB)", check.bytes() / 1e6),
                    "first read to rows served", check.healMillis(), "ms"));

            step(stack, "heal from offset 0 and from a snapshot (" + plan.healRecords() + " records)");
            SnapshotHeal.Result heal = SnapshotHeal.measure(client, stack.hotDir(), plan.healRecords(), plan.batchSize());
            String healed = String.format("Heal of a tenant with %,d records (%,d inserts, %.0f MB) in its history", plan.healRecords(),
                    (long) plan.healRecords() * plan.batchSize(), heal.fileBytes() / 1e6);
            rows.add(Row.cairn(healed, "from offset 0", heal.fromStartMillis(), "ms"));
            rows.add(Row.cairn(healed, "from a snapshot + 1 record", heal.fromSnapshotMillis(), "ms").vs("from offset 0", heal.fromStartMillis()));
            rows.add(Row.cairn(healed, "snapshot stored (gzip)", heal.storedBytes() / 1e6, "MB"));

            for (int mb : plan.coldMegabytes()) {
                step(stack, "cold first read of a " + mb + " MB tenant (" + plan.coldSamples() + " freeze/read cycles)");
                ColdTiers.FirstRead first = ColdTiers.firstRead(client, stack.s3Client(), BenchStack.SNAPSHOT_BUCKET, mb, plan.coldSamples());
                String cr = String.format("Cold first read of a %d MB tenant (snapshot %.1f MB gzip, s3proxy)", mb, first.storedBytes() / 1e6);
                Row p50 = Row.cairn(cr, "p50", first.cold().p50(), "ms").vs("raw S3 GET p50", first.rawGet().p50());
                Row p99 = Row.cairn(cr, "p99", first.cold().p99(), "ms").vs("raw S3 GET p99", first.rawGet().p99());
                rows.add(mb == 10 ? p50.atMost(100) : p50);
                rows.add(mb == 10 ? p99.atMost(300) : p99);
                rows.add(Row.cairn(cr, "first write p50 (thaws it)", first.coldWrite().p50(), "ms"));
                rows.add(Row.cairn(cr, "first write p99 (thaws it)", first.coldWrite().p99(), "ms"));
                rows.add(Row.cairn(cr, "hot read p50, same lookup", first.hot().p50(), "ms"));
            }
            step(stack, "freeze and thaw storm (" + plan.stormTenants() + " tenants)");
            Tenants.Created storm = Tenants.create(client, "storm", plan.stormTenants(), plan.loadClients());
            Tenants.createTables(client, storm, plan.loadClients());
            ColdTiers.Storm thawed = ColdTiers.storm(client, storm, plan.loadClients(), stack.hotDir());
            String fz = String.format("Freeze of %,d small tenants asked at once", thawed.tenants());
            rows.add(Row.cairn(fz, "frozen", thawed.freezesPerSecond(), "tenants/s"));
            rows.add(Row.cairn(fz, "hot-volume bytes they hold once cold", thawed.hotBytesFrozen(), "bytes").atMost(0));
            rows.add(Row.cairn(fz, "S3 bytes they hold (their cost while idle)", thawed.s3BytesFrozen(), "bytes"));
            String rs = String.format("Read storm: %,d cold tenants read at once (from snapshots, 8 downloads at a time)", thawed.tenants());
            rows.add(Row.cairn(rs, "p50", thawed.reads().p50(), "ms"));
            rows.add(Row.cairn(rs, "p99", thawed.reads().p99(), "ms").atMost(3_000));
            String ws = String.format("Thaw storm: %,d cold tenants written at once (each write thaws its tenant)", thawed.tenants());
            String hs = String.format("Write storm: the same %,d tenants written at once while hot (no thaw)", thawed.tenants());
            rows.add(Row.ceiling(hs, "p50", thawed.hotWrites().p50(), "ms"));
            rows.add(Row.ceiling(hs, "p99", thawed.hotWrites().p99(), "ms"));
            rows.add(Row.cairn(ws, "p50", thawed.writes().p50(), "ms").vs("same storm while hot p50", thawed.hotWrites().p50()));
            rows.add(Row.cairn(ws, "p99", thawed.writes().p99(), "ms").vs("same storm while hot p99", thawed.hotWrites().p99()).atMost(3_000));
            rows.add(Row.cairn(ws, CPU_METRIC, thawed.thawWriteCpuMicros(), "us/write").vs("same storm while hot", thawed.hotWriteCpuMicros()));

            step(stack, "control plane: DynamoDB ceiling, materializing " + plan.materializeStates() + " states, listing "
                    + plan.listedTenants() + " tenants");
            double putItems = ControlPlaneScenarios.putItemCeiling(stack.dynamoClient(), plan.readRun());
            rows.add(Row.ceiling("DynamoDB Local PutItem, " + ControlPlaneScenarios.CONCURRENCY + " writers", "items/s", putItems, "items/s"));
            ControlPlaneScenarios.CatchUp caught = ControlPlaneScenarios.catchUp(stack::startMaterializer);
            String c = String.format("Materializer started after the data-path scenarios (%,d records behind)", caught.records());
            rows.add(Row.cairn(c, "caught up in", caught.seconds() * 1_000, "ms"));
            ControlPlaneScenarios.Drain drain = ControlPlaneScenarios.materialize(stack.kafkaClientProps(), stack.materializer(), stack.controlPlane(), "mat-",
                    plan.materializeStates());
            String m = String.format("Materializer, burst of %,d tenant states", plan.materializeStates());
            rows.add(Row.cairn(m, "states/s", drain.statesPerSecond(), "states/s").vs("PutItem items/s", putItems));
            rows.add(Row.cairn(m, "caught up after the burst", drain.secondsAfterBurst() * 1_000, "ms"));
            rows.add(Row.cairn(m, "peak lag", drain.peakLag(), "records"));
            ControlPlaneScenarios.fill(stack.controlPlane(), "fleet-", plan.listedTenants());
            ControlPlaneScenarios.Listing all = ControlPlaneScenarios.list(client, "tier=hot", 1_000);
            String l = String.format("Fleet listing (tier=hot) of %,d tenants, pages of 1,000", all.tenants());
            rows.add(Row.cairn(l, "page p50", all.pages().p50(), "ms"));
            rows.add(Row.cairn(l, "page p99", all.pages().p99(), "ms"));
            rows.add(Row.cairn(l, "whole listing", all.totalSeconds() * 1_000, "ms"));
            double access = AccessCost.nanosPerRequest(plan.readClients(), plan.warmUp());
            double readCpuMicros = Runtime.getRuntime().availableProcessors() * 1e6 / read.perSecond();
            rows.add(Row.cairn("Access tracking (edge), " + plan.readClients() + " threads", "CPU per request", access / 1_000, "us")
                    .vs("hot read CPU per request (cores / req/s)", readCpuMicros));

            step(stack, "idle tenants (" + plan.idleTenants() + ")");
            IdleTenants.Result idle = IdleTenants.measure(client, plan.idleTenants(), plan.loadClients());
            String i = String.format("%,d idle tenants", plan.idleTenants());
            rows.add(Row.cairn(i, "RSS added", idle.rssAddedMb(), "MB").atMost(200));
            rows.add(Row.cairn(i, "open files added", idle.filesAdded(), "files").atMost(300));
            rows.add(Row.cairn(i, "sockets added (the load generator's connections share the process)", idle.socketsAdded(), "sockets"));
            rows.add(Row.cairn(i, "heap added (after GC)", idle.heapAddedMb(), "MB"));
            rows.add(Row.cairn(i, "creation rate", idle.created().latency().perSecond(), "tenants/s"));

            step(stack, "fleet migration's ceiling: SQLite alone on " + FLEET_CEILING_FILES + " files");
            MigrationCeiling.Result mc = MigrationCeiling.measure(dataDir.resolve("migration-ceiling"), FLEET_CEILING_FILES, plan.fleetRows());
            rows.add(Row.ceiling(String.format("SQLite alone: the fleet migration's version (a column and an index on a %,d-row table), %,d files,"
                    + " one thread, each opened, migrated, its WAL synced and closed", plan.fleetRows(), mc.files()), "files/s", mc.perSecond(), "files/s"));
            step(stack, "fleet migration over " + plan.fleetTenants() + " tenants of " + plan.fleetRows() + " rows");
            FleetMigration.Result fm = FleetMigration.run(client, plan.fleetTenants(), plan.fleetRows(), plan.loadClients(), plan.writeRate(),
                    plan.rywRun(), plan.fleetTemplates());
            String f = String.format("Fleet migration: a column and an index on a %,d-row table, %,d hot tenants, one run", plan.fleetRows(),
                    fm.tenants());
            rows.add(Row.cairn(f, "until every tenant applied", fm.runSeconds(), "s").atMost(10)
                    .vs("SQLite alone, one thread, the same number of files", mc.secondsFor(fm.tenants())));
            rows.add(Row.cairn(f, "tenants failed", fm.failed(), "tenants").atMost(0));
            String wl = String.format("Another tenant's single writes (%d req/s) during the run", plan.writeRate());
            rows.add(Row.cairn(wl, "p50", fm.writesDuring().p50(), "ms").vs("p50 without a run", fm.writesAlone().p50()));
            rows.add(Row.cairn(wl, "p99", fm.writesDuring().p99(), "ms").vs("p99 without a run", fm.writesAlone().p99()));
            rows.add(Row.cairn(wl, "writes refused, then sent again (429: 1,000 of them waiting)", fm.writesRefused(), "writes").atMost(0));
            rows.add(Row.cairn(String.format("Tenant creation from a template (%,d tenants)", plan.fleetTemplates()), "rate", fm.templatePerSecond(),
                    "tenants/s").vs("plain creation", fm.plainPerSecond()));

            for (int mb : plan.pitMegabytes()) {
                step(stack, "restore, fork, as-of, export and import of a " + mb + " MB tenant (" + plan.pitRecords() + " records)");
                PointInTime.Result pit = PointInTime.measure(client, BenchStack.ADMIN_TOKEN, stack.hotDir(), "pit" + mb, mb, plan.pitRecords(),
                        plan.loadClients(), plan.pitAsOfSamples());
                String pt = String.format("Point in time: a %.0f MB tenant with %,d records of history", pit.fileBytes() / 1e6, pit.records());
                rows.add(Row.cairn(pt, "restore to a point 5% of the history back", pit.restoreMs(), "ms"));
                rows.add(Row.cairn(pt, "undo that restore", pit.undoMs(), "ms"));
                Row fork = Row.cairn(pt, "fork (its newest content)", pit.forkMs(), "ms");
                rows.add(mb == 100 ? fork.atMost(3_000) : fork);
                Row first = Row.cairn(pt, "as-of read, first use of a point p50", pit.asOfFirst().p50(), "ms");
                rows.add(mb == 10 ? first.atMost(300) : first);
                rows.add(Row.cairn(pt, "as-of read, the same point again p50", pit.asOfAgain().p50(), "ms").vs("hot read p50", pit.hotRead().p50()));
                rows.add(Row.cairn(pt, "export (sqlite)", pit.exportMbPerSecond(), "MB/s").vs("raw file copy", pit.copyMbPerSecond()));
                rows.add(Row.cairn(pt, "import (sqlite, a new tenant)", pit.importMbPerSecond(), "MB/s").vs("raw file copy", pit.copyMbPerSecond()));
            }

            step(stack, "encryption: sealed tenants beside clear ones");
            EncryptionCost.Result enc = EncryptionCost.measure(client, stack.keys(), stack.kafkaClientProps(), dataDir.resolve("encryption"),
                    plan.tenants(), plan.singleRequests(), plan.batchRequests(), plan.batchSize(), plan.loadClients());
            String e1 = String.format("Encryption: write throughput, batches of 1, %,d sealed tenants", enc.tenantsPerSet());
            rows.add(Row.cairn(e1, "applied", enc.sealedSingle(), "statements/s").vs("clear tenants, same run", enc.clearSingle()));
            String eb = String.format("Encryption: write throughput, batches of %d, %,d sealed tenants", plan.batchSize(), enc.tenantsPerSet());
            rows.add(Row.cairn(eb, "applied", enc.sealedBatched(), "statements/s").vs("clear tenants, same run", enc.clearBatched()));
            rows.add(Row.cairn("Encryption: rebuild from the log of those tenants", "replayed", enc.sealedRebuild(), "statements/s")
                    .vs("clear tenants, same run", enc.clearRebuild()));
            rows.add(Row.cairn("Encryption: sealing a one-statement write and its outcome, and opening both (one thread)", "CPU per write",
                    enc.cryptoMicrosPerWrite(), "us"));
            double hours = (System.nanoTime() - t0) / 3.6e12;
            rows.add(Row.cairn("Encryption: key encryption key (KMS) calls over the whole run", "unwraps per tenant per hour",
                    enc.kekUnwraps() / Math.max(1, enc.kekWraps()) / hours, "calls").vs("wraps (one per tenant created)", enc.kekWraps()));

            List<String> notes = List.of(
                    "Load generator (JDK HttpClient, virtual threads) and server (embedded Kafka, applier, edge) share the same "
                            + machine.cores() + " cores, as do the ceilings' clients: every number is what one machine does with both.",
                    "DynamoDB Local (in memory) runs in the same process throughout; the materializer, a role of its own in a"
                            + " deployment, is started at the control-plane scenarios, and from then on each scenario starts once it has"
                            + " written out what came before. Its cost to a node sharing the cores: bench/RESULTS.md, issue 11.",
                    "Latencies are HdrHistogram percentiles. The single write is open loop: latency counts from each request's"
                            + " intended send time (no coordinated omission). Other latency scenarios are closed loop.",
                    "Throughput is timed from the first send until every tenant's copy applied its last write (a read carrying that"
                            + " write's bookmark); row counts are checked afterwards.",
                    "Idle tenants: process footprint after a full GC, before and after creating them; absolute after: RSS "
                            + mb(idle.after().rssBytes()) + " MB, " + idle.after().openFiles() + " open files, " + idle.after().sockets() + " sockets, heap "
                            + mb(idle.after().heapUsedBytes()) + " MB.");
            return new Report(machine, plan.name(), command, (System.nanoTime() - t0) / 1e9, Machine.currentLoadAverage(),
                    List.copyOf(rows), notes);
        }
    }

    /** The pictures of this run (drawn once the run is over). */
    public Charts charts() {
        return charts;
    }

    /** Cairn's figures of the core workloads, to set beside a peer's. */
    private record Measured(Latency singleWrite, double smallWrites, double batchedWrites, Latency pointReads) {}

    /**
     * PostgreSQL on the same machine and disk, a schema per tenant, durable commits, over JDBC (no HTTP): the
     * same four workloads. Each row's value is Cairn's, the compared value PostgreSQL's, the ratio Cairn ÷ PostgreSQL.
     */
    private void peers(BenchStack stack, Measured cairn) throws Exception {
        int pool = Math.max(plan.loadClients(), plan.readClients());
        try (PostgresPeer pg = PostgresPeer.start(dataDir.resolve("postgres"), plan.tenants(), pool)) {
            String v = pg.version();
            Latency write = pg.singleWrites(plan.writeRate(), plan.warmUp(), plan.writeRun());
            double small = pg.writes(1, plan.singleRequests(), plan.loadClients());
            double batched = pg.writes(plan.batchSize(), plan.batchRequests(), plan.loadClients());
            long expected = (long) plan.singleRequests() / plan.tenants() + (long) plan.batchRequests() / plan.tenants() * plan.batchSize();
            if (pg.rows(plan.tenants() - 1) != expected) {
                throw new IllegalStateException(v + " lost or doubled writes: " + pg.rows(plan.tenants() - 1) + " rows, expected " + expected);
            }
            Latency read = pg.pointReads(plan.readClients(), plan.warmUp(), plan.readRun());
            charts.latency("peer: " + v + ", single write (JDBC), " + plan.writeRate() + " req/s open loop", write);
            String p = "Cairn beside " + v + " (JDBC, no HTTP; schema per tenant; durable commits): ";
            String w = p + "single write, " + plan.writeRate() + " req/s open loop";
            rows.add(Row.peer(w, "p50", cairn.singleWrite().p50(), "ms").vs("PostgreSQL p50", write.p50()));
            rows.add(Row.peer(w, "p99", cairn.singleWrite().p99(), "ms").vs("PostgreSQL p99", write.p99()));
            rows.add(Row.peer(p + "writes of 1 statement, " + plan.tenants() + " tenants, " + plan.loadClients() + " clients", "applied",
                    cairn.smallWrites(), "statements/s").vs("PostgreSQL committed/s", small));
            rows.add(Row.peer(p + "batches of " + plan.batchSize() + ", " + plan.tenants() + " tenants", "applied",
                    cairn.batchedWrites(), "statements/s").vs("PostgreSQL committed/s", batched));
            String r = p + "PK lookups, " + plan.readClients() + " clients";
            rows.add(Row.peer(r, "p50", cairn.pointReads().p50(), "ms").vs("PostgreSQL p50", read.p50()));
            rows.add(Row.peer(r, "throughput", cairn.pointReads().perSecond(), "req/s").vs("PostgreSQL req/s", read.perSecond()));
        }
        for (int mb : plan.seedMegabytes()) {
            Latency seed = io.cairn.bench.peer.SeedWritePath.measure(stack.s3Client(), BenchStack.SNAPSHOT_BUCKET, dataDir.resolve("seed"), mb, plan.seedWrites());
            String s = "Cairn beside the seed system's write path (per write: open the file, insert, copy it whole to S3, s3proxy in memory), "
                    + mb + " MB tenant, 1 writer";
            charts.latency("peer: seed write path, " + mb + " MB tenant", seed);
            rows.add(Row.peer(s, "p50", cairn.singleWrite().p50(), "ms").vs("seed p50", seed.p50()));
            rows.add(Row.peer(s, "p99", cairn.singleWrite().p99(), "ms").vs("seed p99", seed.p99()));
        }
    }

    private void ceilings(SqliteCeiling.Result sqlite, KafkaCeiling.Result kafka, Latency http) {
        rows.add(Row.ceiling("SQLite (sqlite-jdbc, WAL, 1,000 rows/txn)", "batched insert", sqlite.insertRowsPerSecond(), "rows/s"));
        rows.add(Row.ceiling("SQLite PK point read", "p50", sqlite.pointRead().p50(), "ms"));
        rows.add(Row.ceiling("SQLite PK point read", "p99", sqlite.pointRead().p99(), "ms"));
        String k = "Kafka produce acks=all, " + plan.writeRate() + " rec/s open loop";
        rows.add(Row.ceiling(k, "ack p50", kafka.ack().p50(), "ms"));
        rows.add(Row.ceiling(k, "ack p99", kafka.ack().p99(), "ms"));
        rows.add(Row.ceiling(k, "ack p99.9", kafka.ack().p999(), "ms"));
        rows.add(Row.ceiling("Kafka produce acks=all, saturation, " + plan.recordBytes() + " B", "records/s",
                kafka.recordsPerSecond(), "records/s"));
        String h = "HTTP floor: edge GET /health, " + plan.readClients() + " clients";
        rows.add(Row.ceiling(h, "p50", http.p50(), "ms"));
        rows.add(Row.ceiling(h, "p99", http.p99(), "ms"));
        rows.add(Row.ceiling(h, "throughput", http.perSecond(), "req/s"));
    }

    /** Applier evidence for a throughput row: how much each SQLite group commit carried and cost. */
    private void groupRows(String scenario, GroupCommits g) {
        rows.add(Row.cairn(scenario, "applier: records per group commit", g.recordsPerCommit(), "records"));
        rows.add(Row.cairn(scenario, "applier: time per group commit", g.msPerCommit(), "ms"));
    }

    private void step(String what) {
        progress.accept(what);
    }

    /** A measured step: first the stack settles (the materializer done with what came before). */
    private void step(BenchStack stack, String what) throws InterruptedException {
        stack.settle();
        step(what);
    }

    private static long mb(long bytes) {
        return bytes / 1048576;
    }
}
