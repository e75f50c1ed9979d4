package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantCommand;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads single records of {@code cairn.tenant-log} by position, without a consumer group: how the heavy
 * lane gets back the records it had yet to apply when the applier stopped. Thread-safe (one read at a
 * time); the consumer is opened on first use.
 */
final class LogReader implements HeavyLane.Refetch, AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> kafkaClientProps;
    private KafkaConsumer<String, byte[]> consumer;

    LogReader(Map<String, Object> kafkaClientProps) {
        this.kafkaClientProps = Map.copyOf(kafkaClientProps);
    }

    @Override
    public synchronized TenantCommand fetch(Bookmark position) {
        if (consumer == null) consumer = open();
        TopicPartition tp = new TopicPartition(TopicCatalog.TENANT_LOG, position.partition());
        consumer.assign(List.of(tp));
        consumer.seek(tp, position.offset());
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() == position.offset()) return Serdes.COMMAND.decode(r.value());
                if (r.offset() > position.offset()) throw new IllegalStateException("record " + position + " is not in the log any more");
            }
        }
        throw new IllegalStateException("could not read record " + position + " of " + TopicCatalog.TENANT_LOG + " within " + TIMEOUT);
    }

    private KafkaConsumer<String, byte[]> open() {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cairn-log-reader");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public synchronized void close() {
        if (consumer != null) consumer.close();
    }
}
