package io.cairn.streams.kafka;

import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantCommand;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Appends Cairn's own records to {@code cairn.tenant-log} (a snapshot taken, a freeze asked), keyed by
 * tenant so each lands in its tenant's order: an idempotent producer, acks from every in-sync replica.
 * Thread-safe.
 */
public final class LogAppender implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;

    public LogAppender(Map<String, Object> kafkaClientProps, String clientId) {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends {@code cmd}; the future completes once the log has it. */
    public Future<RecordMetadata> append(TenantCommand cmd) {
        return append(cmd, null);
    }

    /** Sends {@code cmd}; {@code done} (may be null) is called once the log has it or it failed. */
    public Future<RecordMetadata> append(TenantCommand cmd, Callback done) {
        return producer.send(new ProducerRecord<>(TopicCatalog.TENANT_LOG, null, cmd.getIngressTimeMs(), cmd.getTenant(), Serdes.COMMAND.encode(cmd)), done);
    }

    /** Waits until everything sent so far is on the log or failed. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
