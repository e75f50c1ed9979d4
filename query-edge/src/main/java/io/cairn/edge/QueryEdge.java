package io.cairn.edge;

import io.cairn.edge.access.AccessPublisher;
import io.cairn.edge.access.AccessRecorder;
import io.cairn.edge.config.EdgeConfig;
import io.cairn.edge.http.HealthCheck;
import io.cairn.tenantdb.sqlite.ScratchSpace;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.directory.DirectoryFeed;
import io.cairn.edge.migrate.MigrationCatalog;
import io.cairn.edge.migrate.MigrationFeed;
import io.cairn.edge.migrate.MigrationLog;
import io.cairn.edge.migrate.RunDriver;
import io.cairn.edge.directory.TenantDirectory;
import io.cairn.edge.http.EdgeMetrics;
import io.cairn.edge.http.EdgeServices;
import io.cairn.edge.http.HttpServer;
import io.cairn.edge.http.TenantRepairs;
import io.cairn.edge.read.ColdReads;
import io.cairn.edge.restore.LastRecords;
import io.cairn.edge.restore.PastCopies;
import io.cairn.edge.restore.RestorePoints;
import io.cairn.edge.read.CopyTracker;
import io.cairn.edge.read.QueryRunner;
import io.cairn.edge.read.ReadCache;
import io.cairn.edge.read.ReadCopy;
import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.edge.read.ReadPool;
import io.cairn.edge.write.CommandGateway;
import io.cairn.edge.write.CommandLog;
import io.cairn.edge.write.LogEnds;
import io.cairn.edge.write.StorageGuard;
import io.cairn.edge.write.TenantBacklog;
import io.cairn.edge.write.OutcomeReader;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running query edge: the HTTP API plus the Kafka clients behind it. {@link #start} returns as soon
 * as HTTP listens; Kafka connections come up in the background and {@code GET /health} answers 503
 * (naming what is still starting) until the producer, the outcome reader and the tenant directory are
 * ready and every extra check passes. {@link #close()} stops HTTP first, then the Kafka clients.
 */
public final class QueryEdge implements AutoCloseable {
    /** How long a run sits settled with waves unsent before an edge that does not drive it takes it up. */
    static final java.time.Duration RUN_ADOPTED_AFTER = java.time.Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(QueryEdge.class);
    /** Snapshots of cold tenants fetched at once for reads; the rest of a read storm waits its turn. */
    static final int COLD_DOWNLOADS = 8;
    /** Local copies of cold tenants kept for reads, in bytes. */
    static final long COLD_COPY_BYTES = 1L << 30;
    /** Past points built at once per edge (each a snapshot download and a replay), copies kept, and their bytes. */
    static final int PAST_BUILDS = 2;
    /** How often the edge looks where each copy stands against the log when no read waits (replica lag is exact to this). */
    static final java.time.Duration COPY_REFRESH = java.time.Duration.ofMillis(100);
    static final int PAST_COPIES = 16;
    static final long PAST_COPY_BYTES = 1L << 30;

    private final HttpServer http;
    private final List<AutoCloseable> resources;
    private final List<HealthCheck> checks;
    private final OutcomeReader outcomes;

    private QueryEdge(HttpServer http, List<AutoCloseable> resources, List<HealthCheck> checks, OutcomeReader outcomes) {
        this.outcomes = outcomes;
        this.http = http;
        this.resources = resources;
        this.checks = checks;
    }

    /**
     * Starts the edge.
     *
     * @param config the edge's settings
     * @param kafkaClientProps bootstrap servers and security settings, merged into every Kafka client
     * @param extraChecks conditions {@code /health} also requires (e.g. the applier RUNNING); may be empty
     * @param registry where meters go; {@code /metrics} scrapes it when it is (or contains) a
     *     {@link PrometheusMeterRegistry}, else the edge adds its own Prometheus registry beside it. May be null.
     */
    public static QueryEdge start(EdgeConfig config, Map<String, Object> kafkaClientProps, List<HealthCheck> extraChecks,
            MeterRegistry registry) {
        return start(config, kafkaClientProps, registry, EdgeOptions.defaults().withChecks(extraChecks));
    }

    /** As {@link #start(EdgeConfig, Map, List, MeterRegistry)}, with everything else the process provides in {@code options}. */
    public static QueryEdge start(EdgeConfig config, Map<String, Object> kafkaClientProps, MeterRegistry registry, EdgeOptions options) {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            // Copies of tenants' data on local disk go to a space of this process's own: if it is killed, the next
            // edge to start on the node removes them (they would stay forever, erased tenants' included).
            ScratchSpace scratch = track(resources, ScratchSpace.claim(config.scratchDir(), "cairn-edge-"));
            TenantDirectory directory = new TenantDirectory();
            DirectoryFeed feed = track(resources, new DirectoryFeed(directory, kafkaClientProps, options.keys()));
            MigrationCatalog migrations = new MigrationCatalog();
            MigrationFeed migrationFeed = track(resources, new MigrationFeed(migrations, kafkaClientProps));
            MigrationLog migrationLog = track(resources, new MigrationLog(kafkaClientProps, options.writeGate()));
            TenantBacklog backlog = new TenantBacklog(config.maxPendingWritesPerTenant(), config.writeTimeout().multipliedBy(4));
            OutcomeReader outcomes = track(resources, new OutcomeReader(kafkaClientProps, backlog));
            LogEnds logEnds = track(resources, new LogEnds(kafkaClientProps));
            CommandLog commandLog = track(resources, new CommandLog(kafkaClientProps, logEnds, options.writeGate()));
            // The primary's files hold at least what the applier announced for a hot tenant (the state comes after the commit),
            // and a cold tenant's file (a thaw's) at least its snapshot: an older file brought back is not served as the tenant.
            ReadPool pool = track(resources, new ReadPool(new TenantFiles(config.hotDir()), config.readLimits(),
                    config.maxIdleReadConnections())).expecting(t -> directory.tenant(t).map(st -> new ReadPool.Expected(st.getPartition(),
                            io.cairn.topics.FileFloor.of(st))).orElse(null));
            directory.onDeleted(pool::evict);

            List<HealthCheck> checks = new ArrayList<>();
            checks.add(HealthCheck.of("kafka-producer", commandLog::ready));
            checks.add(HealthCheck.of("outcome-reader", outcomes::ready));
            checks.add(HealthCheck.of("tenant-directory", feed::ready));
            checks.addAll(options.checks());

            StorageGuard storage = new StorageGuard(config.hotDir(), config.minFreeHotBytes());
            CommandGateway gateway = new CommandGateway(commandLog, outcomes, backlog, storage, options.keys(),
                    t -> directory.tenant(t).map(st -> st.getDataKeyId() == null ? null : st.getDataKeyId().toString()).orElse(null));
            if (options.keys() != null) directory.onDeleted(options.keys()::forget);
            EdgeMetrics metrics = metrics(registry);
            metrics.verificationsFrom(pool);
            metrics.outcomesFrom(outcomes);
            AccessRecorder access = new AccessRecorder();
            track(resources, new AccessPublisher(access, kafkaClientProps, options.accessWindow(), metrics.registry()).start());
            ColdReads coldReads = options.snapshots() == null ? null : track(resources, new ColdReads(options.snapshots(),
                    scratch.subdir("cold-reads"), config.readLimits(), COLD_DOWNLOADS, COLD_COPY_BYTES,
                    config.maxResultRows(), config.maxResultBytes()));
            ReadCache readCache = options.keys() == null ? options.readCache() : options.readCache().sealedWith(options.keys());
            CopyPositions.Reader hotPositions = track(resources, CopyPositions.reader(new TenantFiles(config.hotDir())));
            QueryRunner primaryQueries = new QueryRunner(pool, directory::awaitApplied, (tenant, offset) -> heldThrough(hotPositions,
                    directory, tenant, offset), config.maxResultRows(), config.maxResultBytes(), readCache);
            CopyTracker copies = track(resources, new CopyTracker(readCopies(config, options, readCache, pool, primaryQueries, directory, resources), logEnds::ends,
                    COPY_REFRESH, metrics.registry()));
            for (ReadCopy c : copies.copies()) if (!c.primary()) directory.onDeleted(c.pool()::evict);
            PastCopies pastCopies = options.pastBuilder() == null ? null : track(resources, new PastCopies(options.pastBuilder(),
                    scratch.subdir("past"), config.readLimits(), config.maxResultRows(), config.maxResultBytes(),
                    PAST_BUILDS, PAST_COPIES, PAST_COPY_BYTES, directory::tenant,
                    config.readLimits().minFreeTempBytes())
                    .withLastRecords(new LastRecords(hotPositions, directory::tenant, primaryQueries, options.snapshots())));
            // Erasure reaches this edge's disk: a deleted tenant's opened snapshot copies and past copies go with it.
            if (coldReads != null) directory.onDeleted(coldReads::forget);
            if (pastCopies != null) directory.onDeleted(pastCopies::forget);
            Map<String, java.util.function.Supplier<Object>> healthDetails = new java.util.LinkedHashMap<>(options.healthDetails());
            healthDetails.put("copies", copies::details);
            healthDetails.put("storage", storage::refusing);
            // The routes' exports and imports go to the space too.
            RunDriver runDriver = new RunDriver(migrations, migrationLog, gateway, directory, config.writeTimeout(), copies);
            // A run whose driving edge stopped (killed mid-run) is taken up here once it sat settled for RUN_ADOPTED_AFTER.
            var adopter = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cairn-run-adopter").factory());
            resources.add(adopter::shutdownNow);
            adopter.scheduleWithFixedDelay(() -> {
                try {
                    if (migrationFeed.ready() && feed.ready()) runDriver.adoptStalled(RUN_ADOPTED_AFTER);
                } catch (RuntimeException e) {
                    log.warn("looking for migration runs no edge drives: {}", e.toString());
                }
            }, 5, 5, java.util.concurrent.TimeUnit.SECONDS);
            EdgeServices services = new EdgeServices(config.withScratchDir(scratch.subdir("transfers")), new Authenticator(config.adminToken(), directory),
                    directory, feed::ready, gateway, logEnds,
                    primaryQueries,
                    TenantRepairs.create(gateway, directory, pool, metrics, config.writeTimeout(), migrations::pendingFor),
                    List.copyOf(checks), metrics, access, options.controlPlane(), healthDetails,
                    options.snapshots(), coldReads, migrations, migrationFeed::ready, migrationLog,
                    runDriver,
                    new RestorePoints(logEnds, options.snapshots(), options.restoreWindow(), java.time.Clock.systemUTC()),
                    pastCopies,
                    options.keys(), copies);
            copies.start();
            feed.start();
            migrationFeed.start();
            outcomes.start();
            commandLog.warmUp();
            HttpServer http = HttpServer.start(services);
            log.info("query edge listening on port {}", http.port());
            return new QueryEdge(http, resources, List.copyOf(checks), outcomes);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    /** Whether the hot volume holds every record of {@code tenant} through {@code offset} ({@link QueryRunner.HeldThrough}). */
    private static boolean heldThrough(CopyPositions.Reader positions, TenantDirectory directory, String tenant, long offset) {
        var state = directory.tenant(tenant);
        if (state.isEmpty()) return false;
        try {
            return positions.holds(state.get().getPartition(), tenant, offset + 1);
        } catch (java.sql.SQLException e) {
            return false; // the bookmark's own wait goes on
        }
    }

    /**
     * The copies reads are served from, in the order the options give (none: the primary alone): the
     * hot volume through {@code primaryPool}, each replica's directory through a read pool of its own.
     */
    private static List<ReadCopy> readCopies(EdgeConfig config, EdgeOptions options, ReadCache readCache, ReadPool primaryPool, QueryRunner primaryQueries,
            TenantDirectory directory, List<AutoCloseable> resources) {
        List<ReadCopy.Spec> specs = new ArrayList<>(options.copies());
        if (specs.isEmpty()) specs.add(ReadCopy.Spec.primary());
        List<ReadCopy> copies = new ArrayList<>();
        for (ReadCopy.Spec spec : specs) {
            if (spec.dir() == null) {
                copies.add(new ReadCopy(spec.name(), true, primaryPool, primaryQueries, CopyPositions.reader(new TenantFiles(config.hotDir()))));
                continue;
            }
            TenantFiles files = new TenantFiles(spec.dir());
            // A replica's files trail the primary's states: only whose they are is checked.
            ReadPool pool = track(resources, new ReadPool(files, config.readLimits(), config.maxIdleReadConnections()))
                    .expecting(t -> directory.tenant(t).map(st -> new ReadPool.Expected(st.getPartition(), -1)).orElse(null));
            // A replica is read only once its positions say it holds what the read needs: it never waits on a bookmark itself.
            QueryRunner queries = new QueryRunner(pool, (tenant, offset, timeout) -> false, config.maxResultRows(), config.maxResultBytes(),
                    readCache);
            copies.add(new ReadCopy(spec.name(), false, pool, queries, CopyPositions.reader(files)));
        }
        return copies;
    }

    /** The port HTTP listens on (the one chosen when the config said 0). */
    public int port() {
        return http.port();
    }

    /**
     * An outcome the primary applier of this process has just committed (it reads this edge's hot volume), before its
     * record reaches {@code cairn.tenant-results}: a write waiting for it here is answered now, without the round
     * trip through the broker ({@link OutcomeReader#committedHere}). Never blocks.
     */
    public void outcomeCommittedHere(io.cairn.topics.avro.CommandResult outcome) {
        outcomes.committedHere(outcome);
    }

    /** True when every health check passes (what {@code GET /health} reports). */
    public boolean healthy() {
        return checks.stream().allMatch(HealthCheck::healthy);
    }

    @Override
    public void close() {
        http.close();
        closeAll(resources);
    }

    private static EdgeMetrics metrics(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry p) return new EdgeMetrics(p, p);
        if (registry instanceof CompositeMeterRegistry c) {
            for (MeterRegistry r : c.getRegistries()) {
                if (r instanceof PrometheusMeterRegistry p) return new EdgeMetrics(c, p);
            }
        }
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        if (registry == null) return new EdgeMetrics(own, own);
        CompositeMeterRegistry both = new CompositeMeterRegistry();
        both.add(registry);
        both.add(own);
        return new EdgeMetrics(both, own);
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> resources, T resource) {
        resources.add(resource);
        return resource;
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed", resources.get(i).getClass().getSimpleName(), e);
            }
        }
    }
}
