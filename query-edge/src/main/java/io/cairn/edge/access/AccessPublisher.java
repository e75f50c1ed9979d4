package io.cairn.edge.access;

import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantAccess;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code interval} (windows aligned to the clock, so a window never spans midnight UTC), drains
 * the {@link AccessRecorder} and appends one {@link TenantAccess} per tenant used to
 * {@code cairn.tenant-access}: at most one record per tenant per edge per window, never one per
 * request. Each record names this run ({@code source}, random per start) and the window ({@code seq},
 * increasing), so the materializer counts it once whatever is redelivered. A clean stop publishes the
 * last partial window; a crash loses at most one window of this edge's counts.
 */
public final class AccessPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessPublisher.class);

    private final AccessRecorder recorder;
    private final KafkaProducer<String, byte[]> producer;
    private final long intervalMs;
    private final String source = "edge-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    private final AtomicLong seq = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r ->
            Thread.ofPlatform().name("cairn-edge-access").daemon().unstarted(r));
    private final Counter published;
    private final Counter failed;

    public AccessPublisher(AccessRecorder recorder, Map<String, Object> kafkaClientProps, Duration interval, MeterRegistry registry) {
        this.recorder = recorder;
        this.producer = new KafkaProducer<>(ClientConfigs.producer(kafkaClientProps, "cairn-edge-access"));
        this.intervalMs = interval.toMillis();
        if (intervalMs < 1) throw new IllegalArgumentException("interval must be >= 1 ms");
        this.published = Counter.builder("cairn.edge.access.reports").description("access reports appended to cairn.tenant-access").register(registry);
        this.failed = Counter.builder("cairn.edge.access.reports.failed")
                .description("access reports Kafka did not take (their counts are missing from usage)").register(registry);
    }

    /** Starts publishing at the end of the current window. */
    public AccessPublisher start() {
        long now = System.currentTimeMillis();
        long firstEnd = (now / intervalMs + 1) * intervalMs;
        timer.scheduleAtFixedRate(this::publishSafely, firstEnd - now, intervalMs, TimeUnit.MILLISECONDS);
        return this;
    }

    private void publishSafely() {
        try {
            publish(windowEnd(System.currentTimeMillis()));
        } catch (RuntimeException e) {
            log.warn("access reports not published: {}", e.toString());
        }
    }

    /** The end of the window {@code nowMs} falls in (windows are aligned to multiples of the interval). */
    private long windowEnd(long nowMs) {
        return Math.max(1, Math.round((double) nowMs / intervalMs)) * intervalMs;
    }

    private void publish(long windowEndMs) {
        long window = seq.incrementAndGet();
        for (AccessRecorder.Counts c : recorder.drain()) {
            TenantAccess record = TenantAccess.newBuilder().setTenant(c.tenant()).setSource(source).setSeq(window)
                    .setWindowEndMs(windowEndMs).setLastAccessMs(c.lastAccessMs()).setReads(c.reads()).setWrites(c.writes())
                    .setRowsRead(c.rowsRead()).setBytesIn(c.bytesIn()).setBytesOut(c.bytesOut()).setLife(c.life()).build();
            producer.send(new ProducerRecord<>(TopicCatalog.TENANT_ACCESS, c.tenant(), Serdes.ACCESS.encode(record)), (meta, error) -> {
                if (error == null) {
                    published.increment();
                } else {
                    failed.increment();
                    log.warn("access report of tenant {} (window {}) lost: {}", c.tenant(), window, error.toString());
                }
            });
        }
    }

    @Override
    public void close() {
        timer.shutdown();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
            publish(System.currentTimeMillis()); // the last, partial window
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("the last access reports were not published: {}", e.toString());
        } finally {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
