package io.cairn.streams.materialize;

import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.topics.TopicCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state materializer: a Kafka Streams app (its own application id) that keeps the metadata store
 * (DynamoDB) in step with {@code cairn.tenant-state} and {@code cairn.tenant-access}. The store is a
 * view: every write is conditional on position, so the materializer runs at-least-once, and a fresh
 * application id replays both topics into an empty table to the same result.
 *
 * <p>The data path never waits for it: writes and reads go through Kafka and the tenant files. When
 * the store is unreachable the materializer retries and falls behind ({@link #lag()}), then catches up.
 */
public final class Materializer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Materializer.class);
    private static final List<String> INPUTS = List.of(TopicCatalog.TENANT_STATE, TopicCatalog.TENANT_ACCESS);
    private static final long LAG_CACHE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final KafkaStreams streams;
    private final MetadataWriter writer;
    private final Admin admin;
    private final String applicationId;
    private final ConcurrentMap<TopicPartition, Long> flushed;
    private volatile long lagAtNanos;
    private volatile boolean measuredOnce;
    private volatile long lag = -1;
    private final java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();

    private Materializer(KafkaStreams streams, MetadataWriter writer, Admin admin, String applicationId,
            ConcurrentMap<TopicPartition, Long> flushed) {
        this.streams = streams;
        this.writer = writer;
        this.admin = admin;
        this.applicationId = applicationId;
        this.flushed = flushed;
    }

    /** Creates the store's tables if missing, then starts; returns at once (see {@link #running()}). */
    public static Materializer start(MaterializerConfig config, MetadataStore store, Map<String, Object> kafkaClientProps,
            MeterRegistry registry) {
        if (store.createTablesIfMissing()) readFromTheBeginning(config.applicationId(), kafkaClientProps);
        MaterializerMetrics metrics = new MaterializerMetrics(registry);
        MetadataWriter writer = new MetadataWriter(store, config.concurrency(), config.retryFor(), metrics);
        ConcurrentMap<TopicPartition, Long> flushed = new ConcurrentHashMap<>();
        KafkaStreams streams = new KafkaStreams(MaterializerTopology.build(writer, metrics, config.flushInterval(), flushed),
                properties(config, kafkaClientProps));
        Counter replaced = Counter.builder("cairn.materializer.thread.replacements")
                .description("stream threads replaced after the metadata store failed for longer than retry_for").register(registry);
        streams.setUncaughtExceptionHandler(e -> {
            replaced.increment();
            log.error("materializer thread failed; replacing it (it resumes from the last commit)", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        Materializer m = new Materializer(streams, writer, Admin.create(kafkaClientProps), config.applicationId(), flushed);
        Gauge.builder("cairn.materializer.lag.records", m, Materializer::lag)
                .description("records of cairn.tenant-state and cairn.tenant-access not yet written to the metadata store (-1: unknown)")
                .register(registry);
        streams.start();
        m.lag(); // the first measure starts now, so that /health shows a figure, not -1, by the time anyone asks
        return m;
    }

    /**
     * The store was made now, so it holds nothing (its files lost, a new table): the group's committed positions, at the
     * topics' ends, would leave it empty for good (every tenant gone from listings, the tiering job blind). Without
     * them the materializer reads its topics from the beginning and writes the whole view again. A group still active
     * (another instance, or this one's static membership not yet expired) is waited for up to a minute.
     */
    static void readFromTheBeginning(String applicationId, Map<String, Object> kafkaClientProps) {
        try (Admin admin = Admin.create(kafkaClientProps)) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (true) {
                try {
                    admin.deleteConsumerGroups(java.util.List.of(applicationId)).all().get(30, TimeUnit.SECONDS);
                    log.info("the metadata store was empty: the materializer reads its topics from the beginning to fill it");
                    return;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) return; // never committed
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupNotEmptyException) || System.nanoTime() > deadline) {
                        log.warn("the metadata store was empty, but the materializer's positions could not be reset ({}): it shows only"
                                + " what changes from now on (docs/control-plane.md: rebuilding the view)", e.getCause().toString());
                        return;
                    }
                    TimeUnit.SECONDS.sleep(2);
                }
            }
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("the metadata store was empty, but the broker did not answer the reset of the materializer's positions: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Properties properties(MaterializerConfig config, Map<String, Object> kafkaClientProps) {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.countersInterval().toMillis()); // each commit writes everything out first
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 5_000);
        if (config.instanceId() != null) p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.instanceId());
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /**
     * Records of the input topics not yet written to the metadata store: the topics' ends minus what
     * this instance wrote out (or, for partitions it has not written yet, what the group committed).
     * Never waits: the last measure, taken at most a second ago when asked often; an older one starts a new measure
     * in the background (two admin calls, which wait up to 5 s each for an unreachable broker: {@code /health} and a
     * scrape showed that wait). -1 until measured, and when it cannot be measured (the broker unreachable).
     */
    public long lag() {
        if ((!measuredOnce || System.nanoTime() - lagAtNanos >= LAG_CACHE_NANOS) && measuring.compareAndSet(false, true)) {
            Thread.ofVirtual().name("materializer-lag").start(() -> {
                try {
                    lag = lagNow();
                    lagAtNanos = System.nanoTime();
                    measuredOnce = true;
                } finally {
                    measuring.set(false);
                }
            });
        }
        return lag;
    }

    /** {@link #lag()} measured now, not cached (two admin calls); -1 when it cannot be measured. */
    public long lagNow() {
        try {
            return measureLag();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return -1;
        }
    }

    private long measureLag() throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (var d : admin.describeTopics(INPUTS).allTopicNames().get(5, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
        }
        var ends = admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        latest.keySet().forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
        var starts = admin.listOffsets(earliest).all().get(5, TimeUnit.SECONDS); // retention moves a topic's start
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        long total = 0;
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long done = Math.max(Math.max(flushed.getOrDefault(e.getKey(), 0L), c == null ? 0 : c.offset()),
                    starts.get(e.getKey()).offset());
            total += Math.max(0, e.getValue().offset() - done);
        }
        return total;
    }

    @Override
    public void close() {
        writer.stopRetrying();
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        writer.close();
        admin.close(Duration.ofSeconds(5));
    }
}
