package io.cairn.infra.runtime;

import io.cairn.topics.RegionRole;
import io.cairn.topics.TopicCatalog;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows this cluster's {@code cairn.region} (docs/replicas.md, "Standby region"): the region's role, as
 * the latest record says, else as configured. {@link #start} reads the topic to its end before it returns,
 * so a process starting in a region promoted earlier starts as a primary; later changes go to the callback,
 * from the watch's own thread.
 */
public final class RegionWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RegionWatch.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Consumer<RegionRole> onChange;
    private final Thread thread;
    private volatile RegionRole role;
    private volatile boolean recorded;
    private volatile boolean closed;

    private RegionWatch(KafkaConsumer<String, byte[]> consumer, RegionRole role, Consumer<RegionRole> onChange) {
        this.consumer = consumer;
        this.role = role;
        this.onChange = onChange;
        this.thread = Thread.ofPlatform().daemon().name("cairn-region-watch").unstarted(this::run);
    }

    /** Reads {@code cairn.region} to its end (the role it names, else {@code configured}), then follows it. */
    public static RegionWatch start(Map<String, Object> kafkaClientProps, RegionRole configured, Consumer<RegionRole> onChange) {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cairn-region-watch");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
        RegionWatch watch = new RegionWatch(consumer, configured, onChange);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<TopicPartition> parts = partitions(consumer, deadline);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(60));
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + TopicCatalog.REGION + " within 60 s");
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) watch.accept(r, false);
            }
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        watch.thread.start();
        return watch;
    }

    /**
     * The topic's partitions. Right after the topic is created the client's metadata may not list it yet
     * (an empty list, not an error): assigning none would leave the watch with nothing to read, and the
     * region would never see its promotion (StandbyIT caught it). So ask again until it is listed.
     */
    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, long deadline) {
        while (true) {
            List<TopicPartition> parts = consumer.partitionsFor(TopicCatalog.REGION, Duration.ofSeconds(60)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            if (!parts.isEmpty()) return parts;
            if (System.nanoTime() > deadline) throw new IllegalStateException(TopicCatalog.REGION + " has no partitions after 60 s");
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // pacing the metadata requests
        }
    }

    /** The region's role now. */
    public RegionRole role() {
        return role;
    }

    /** Whether {@code cairn.region} held a role (else {@link #role} is the configured one). */
    public boolean recorded() {
        return recorded;
    }

    /**
     * The role {@code cairn.region} holds now, read to its end; null when it holds none (no standby process ever
     * ran against this cluster, and it was never promoted).
     */
    public static RegionRole recordedRole(Map<String, Object> kafkaClientProps) {
        try (RegionWatch watch = start(kafkaClientProps, null, role -> { })) {
            return watch.recorded() ? watch.role() : null;
        }
    }

    /** Writes {@code role} to {@code cairn.region} (acks=all); returns where it landed, "partition:offset". */
    public static String record(Map<String, Object> kafkaClientProps, RegionRole role) throws Exception {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.CLIENT_ID_CONFIG, "cairn-region-" + role.name().toLowerCase(java.util.Locale.ROOT));
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(p,
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            var md = producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(TopicCatalog.REGION, RegionRole.KEY, role.encode()))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            return md.partition() + ":" + md.offset();
        }
    }

    private void run() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) accept(r, true);
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (!closed) log.error("the region watch stopped: a promotion will not be seen until this process restarts", e);
        } finally {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private void accept(ConsumerRecord<String, byte[]> r, boolean notify) {
        if (!RegionRole.KEY.equals(r.key())) return;
        RegionRole next = RegionRole.decode(r.value());
        if (next != null) recorded = true;
        if (next == null || next == role) return;
        log.info("this region is now {} ({}:{})", next.name().toLowerCase(java.util.Locale.ROOT), TopicCatalog.REGION, r.offset());
        role = next;
        if (notify) onChange.accept(next);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
