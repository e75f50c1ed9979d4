package io.cairn.edge.migrate;

import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.edge.write.LogUnavailableException;
import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.MigrationEvent;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Appends to {@code cairn.migrations} (idempotent producer, {@code acks=all}), always to its partition
 * {@link #PARTITION}: the catalog's rules (a version needs its predecessor, the first registration of a
 * version wins, a run's waves and controls follow it) need one order that every edge reads alike, and
 * Kafka orders records only within a partition. Keyed records spread over the topic's partitions were
 * read back in another order after a restart, and versions acknowledged with 201 went missing. Thread-safe.
 */
public final class MigrationLog implements AutoCloseable {
    /** The partition every event goes to. */
    public static final int PARTITION = 0;

    private final KafkaProducer<String, byte[]> producer;

    private final io.cairn.edge.write.WriteGate gate;

    public MigrationLog(Map<String, Object> kafkaClientProps) {
        this(kafkaClientProps, io.cairn.edge.write.WriteGate.OPEN);
    }

    /** As above, appending only while {@code gate} allows it (503 {@code standby_read_only} otherwise). */
    public MigrationLog(Map<String, Object> kafkaClientProps, io.cairn.edge.write.WriteGate gate) {
        this.producer = new KafkaProducer<>(ClientConfigs.producer(kafkaClientProps, "cairn-edge-migrations"));
        this.gate = gate;
    }

    /**
     * Appends {@code event} under {@code key} and waits for the broker's acknowledgement; the key is the
     * record's identity under compaction. {@link LogUnavailableException} when Kafka did not take it.
     */
    public Bookmark append(String key, MigrationEvent event, Duration timeout) throws InterruptedException {
        gate.check();
        try {
            RecordMetadata m = producer.send(new ProducerRecord<>(TopicCatalog.MIGRATIONS, PARTITION, key, Serdes.MIGRATION.encode(event)))
                    .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return new Bookmark(m.partition(), m.offset());
        } catch (ExecutionException e) {
            throw new LogUnavailableException(e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            throw new LogUnavailableException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
