package io.cairn.streams.apply;

import io.cairn.streams.kafka.PollEnds;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running applier: a Kafka Streams app that applies cairn.tenant-log to the tenant files on its hot
 * directory. Start with {@link #start}; {@link #close} stops it after committing what it applied.
 *
 * <p>Exactly-once comes from the tenant files themselves (each stores the offset it applied up to,
 * in the same transaction as the data), so Streams runs at-least-once: a redelivered record is skipped,
 * and Kafka transactions add nothing but latency.
 */
public final class Applier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Applier.class);
    /** Scratch copies younger than this are left alone at start: another applier on the volume may be writing them. */
    static final Duration SCRATCH_KEPT = Duration.ofHours(6);

    private final KafkaStreams streams;
    private final TenantDatabasePool pool;
    private final KafkaStreamsMetrics streamsMetrics;
    private final HeavyLane lane;
    private final LogReader logReader;
    private final Snapshotter snapshotter;
    private final RetentionGuard guard;
    private final ColdTenants cold;
    private final Stalls stalls;
    private final LocalOutcomes local;

    private Applier(KafkaStreams streams, TenantDatabasePool pool, KafkaStreamsMetrics streamsMetrics, HeavyLane lane,
            LogReader logReader, Snapshotter snapshotter, RetentionGuard guard, ColdTenants cold, Stalls stalls, LocalOutcomes local) {
        this.local = local;
        this.cold = cold;
        this.stalls = stalls;
        this.snapshotter = snapshotter;
        this.guard = guard;
        this.streams = streams;
        this.pool = pool;
        this.streamsMetrics = streamsMetrics;
        this.lane = lane;
        this.logReader = logReader;
    }

    /**
     * Starts applying. {@code kafkaClientProps} carries {@code bootstrap.servers} and security
     * settings; everything else is set here. Returns at once; see {@link #running()}.
     */
    public static Applier start(ApplierConfig config, Map<String, Object> kafkaClientProps, MeterRegistry registry) {
        return start(config, kafkaClientProps, registry, null);
    }

    /**
     * Starts applying, keeping snapshots as {@code snapshots} says (null: none, and {@code TakeSnapshot}
     * records fail with {@code not_supported}). A replica keeps none whatever {@code snapshots} says: the
     * primary stores them (a replica's would be the same bytes under the same keys), and a replica keeps
     * every tenant on its own disk, cold ones too (docs/replicas.md). It still reads the store: imports
     * are applied from it, and past points (restore, fork) may start from its snapshots.
     *
     * @throws LogBehindFilesException when the log ends before what the hot directory's files hold
     */
    public static Applier start(ApplierConfig config, Map<String, Object> kafkaClientProps, MeterRegistry registry,
            SnapshotOptions snapshots) {
        // What imports and past points are read from: a replica reads them like the primary, it only stores nothing.
        io.cairn.connectors.snapshot.SnapshotStore store = snapshots == null ? null : snapshots.store();
        if (config.role() == ApplierConfig.Role.REPLICA) snapshots = null;
        TenantFiles hotFiles = new TenantFiles(config.hotDir());
        int leftovers = hotFiles.removeScratchOlderThan(Instant.now().minus(SCRATCH_KEPT));
        if (leftovers > 0) log.info("removed {} scratch copies left by a process that stopped mid-rebuild, mid-thaw or mid-snapshot", leftovers);
        LogContinuity.check(hotFiles, kafkaClientProps); // a log that ends before the files would have new writes skipped
        TenantDatabasePool pool = new TenantDatabasePool(hotFiles, config.limits(), config.maxOpenTenants()).watchingForLostRegistry();
        ApplierMetrics metrics = new ApplierMetrics(registry);
        SnapshotSeeds seeds = snapshots == null ? null : new SnapshotSeeds(snapshots.store(), pool, registry);
        TenantRecovery.Rebuilder rebuilder = rebuilder(config, kafkaClientProps, seeds, store);
        LogReader logReader = new LogReader(kafkaClientProps);
        ColdTenants cold = seeds == null ? ColdTenants.NONE : new ColdTenants(pool,
                new SnapshotThawer(seeds, replay(kafkaClientProps, config, store), rebuilder), registry);
        PastContent past = new PastContent(kafkaClientProps, config, store, registry);
        TenantRecovery recovery = new TenantRecovery(pool, rebuilder, cold, past, registry);
        if (config.role() == ApplierConfig.Role.PRIMARY) {
            try {
                recovery.committed(TenantStates.appliedOffsets(kafkaClientProps));
            } catch (RuntimeException e) {
                log.warn("cannot read cairn.tenant-state: files are checked for soundness and identity, not for lost commits: {}", e.toString());
            }
        }
        Snapshotter snapshotter = snapshots == null ? null : new Snapshotter(new TenantFiles(config.hotDir()), snapshots.store(), kafkaClientProps,
                Snapshotter.CONCURRENCY, Snapshotter.RETRY_FOR, new SnapshotPolicy(snapshots.everyWrites(), snapshots.everyBytes()),
                new SnapshotRetention(snapshots.keep(), snapshots.restoreWindow(), snapshots.spread()), registry);
        HeavyLane lane = new HeavyLane(pool, config.maxResultRows(), config.keys(), recovery, metrics, logReader, config.heavyLaneThreads(),
                snapshotter == null ? SnapshotRequests.IGNORED : snapshotter);
        PollEnds pollEnds = new PollEnds();
        LocalOutcomes local = new LocalOutcomes();
        KafkaStreams streams = new KafkaStreams(ApplierTopology.build(config, pool, metrics, recovery, lane,
                snapshotter == null ? SnapshotRequests.UNAVAILABLE : snapshotter, pollEnds, local),
                properties(config, kafkaClientProps, pollEnds));
        Counter replaced = Counter.builder("cairn.applier.thread.replacements")
                .description("stream threads that failed and were replaced: only a machine failing for minutes should cause one")
                .register(registry);
        streams.setUncaughtExceptionHandler(e -> {
            replaced.increment();
            log.error("applier thread failed; replacing it (uncommitted records will be redelivered)", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        io.micrometer.core.instrument.Gauge.builder("cairn.applier.open.tenants", pool, TenantDatabasePool::openCount)
                .description("tenant files the applier holds open").register(registry);
        io.micrometer.core.instrument.Gauge.builder("cairn.applier.closing.tenants", pool, TenantDatabasePool::closingCount)
                .description("tenant files out of the applier's pool whose close (a checkpoint and a sync) has not finished: still open")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("cairn.applier.open.waits", pool, TenantDatabasePool::openWaitsTotal)
                .description("opens of a tenant's file that waited for closes: max_open_tenants of them were under way").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("cairn.applier.open.wait.seconds", pool, TenantDatabasePool::openWaitSeconds)
                .description("the time opens of tenants' files waited for closes").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("cairn.applier.tenant.opens", pool, TenantDatabasePool::openedTotal)
                .description("tenant files the applier opened, a reopen after an idle close counted again").register(registry);
        io.micrometer.core.instrument.Gauge.builder("cairn.applier.heavy.queued", lane, HeavyLane::size)
                .description("records waiting for the heavy lane (those past the quick budget)").register(registry);
        lane.start();
        streams.start();
        RetentionGuard guard = snapshotter == null ? null : new RetentionGuard(new TenantFiles(config.hotDir()), snapshotter,
                RetentionGuard.ofTenantLog(kafkaClientProps), System::currentTimeMillis, registry).start(Duration.ofSeconds(5));
        return new Applier(streams, pool, streamsMetrics, lane, logReader, snapshotter, guard, cold, metrics.stalls(), local);
    }

    /** A replay with this applier's settings, reading imported files from {@code store} (null: this process has none). */
    private static LogReplay replay(Map<String, Object> kafkaClientProps, ApplierConfig config, io.cairn.connectors.snapshot.SnapshotStore store) {
        LogReplay replay = new LogReplay(kafkaClientProps, config);
        return store == null ? replay : replay.withImports(store);
    }

    /**
     * Self-healing replays the tenant's partition with this applier's own settings into a scratch
     * directory: from its newest usable snapshot when there is one ({@code seeds}), else from the start; an import
     * met on the way is read from {@code store}, as the applier itself reads it (a replica, which keeps no snapshots,
     * too: without it the heal of an imported tenant would wait for a store forever, and its partition with it).
     */
    private static TenantRecovery.Rebuilder rebuilder(ApplierConfig config, Map<String, Object> kafkaClientProps, SnapshotSeeds seeds,
            io.cairn.connectors.snapshot.SnapshotStore store) {
        return (tenant, partition, endExclusive, scratch) -> {
            LogReplay replay = replay(kafkaClientProps, config.withRole(config.role(), config.applicationId(), scratch), store);
            long seeded = seeds == null ? -1 : seeds.seed(tenant, endExclusive - 1, scratch);
            if (seeded < 0) {
                replay.replayPartition(partition, endExclusive, tenant::equals, progress -> { });
            } else {
                log.info("tenant {}: rebuilding from its snapshot at offset {}, then the log below {}", tenant, seeded, endExclusive);
                replay.replayPartitionFrom(partition, seeded + 1, endExclusive, tenant::equals, progress -> { });
            }
        };
    }

    /**
     * How much of one partition a fetch brings (Kafka's default is 1 MiB). A poll hands out what was fetched partition
     * by partition, and Streams applies what a poll gave before it polls again: under a backlog, with 1 MiB (some 2,500
     * small writes), a stream thread applied one or two of its partitions for 5-15 s at a time while the others applied
     * nothing (measured: 8 partitions, 1,000 tenants written in turn, the applier at about 800 records/s). With 64 KiB
     * each poll spans every partition with records waiting, and each took some every second, at the same rate overall.
     * A record larger than this still comes whole.
     */
    static final int FETCH_BYTES_PER_PARTITION = 64 * 1024;

    /** How the applier's stream threads poll and fetch the log (see {@link #FETCH_BYTES_PER_PARTITION}); Streams config keys. */
    public static Map<String, Object> pollSettings() {
        return Map.of(
                // An idle poll is kept short so a new record is fetched quickly (a group commits when a poll is drained).
                StreamsConfig.POLL_MS_CONFIG, 2,
                StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 2_000,
                StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 100,
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), FETCH_BYTES_PER_PARTITION);
    }

    static Properties properties(ApplierConfig config, Map<String, Object> kafkaClientProps, PollEnds pollEnds) {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.hotDir().resolve("streams-state").toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1_000);
        p.put("processing.exception.handler.global.enabled", true); // Kafka 5.0's default, opted into now
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OutcomeTooLargeHandler.class);
        // A group commits when the last fetched record of every partition of the poll is applied (PollEnds, fed by this
        // interceptor inside poll).
        p.putAll(pollSettings());
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG), PollEnds.Interceptor.class.getName());
        p.put(StreamsConfig.mainConsumerPrefix(PollEnds.CONFIG), pollEnds);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), 4 * 1024 * 1024);
        if (config.instanceId() != null) {
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.instanceId());
        }
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    /**
     * Tells {@code listener} (an edge in this process) of each outcome as the primary publishes it, as soon as its group
     * is committed, before its record reaches {@code cairn.tenant-results} ({@link LocalOutcomes}); a replica publishes none.
     */
    public void tellOutcomesTo(java.util.function.Consumer<io.cairn.topics.avro.CommandResult> listener) {
        local.tell(listener);
    }

    /** True while Streams is running (all tasks assigned and processing). */
    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** The longest failure of the machine this applier is waiting out now, if any: no write of its partitions is applied meanwhile. */
    public java.util.Optional<Stalls.Stall> stalled() {
        return stalls.oldest();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public void close() {
        // Leave the group on a clean stop, so a restarted or surviving instance takes the partitions at
        // once instead of waiting out the session timeout.
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (guard != null) guard.close();
        lane.close();
        cold.close();
        if (snapshotter != null) snapshotter.close();
        logReader.close();
        streamsMetrics.close();
        pool.close();
    }
}
