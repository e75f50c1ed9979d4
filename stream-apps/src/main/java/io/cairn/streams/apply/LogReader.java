package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantCommand;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads records of {@code cairn.tenant-log} by position, without a consumer group: how the heavy lane gets
 * back the records it keeps only the positions of (a tenant's backlog behind a heavy record, the records it
 * had yet to apply when the applier stopped). A read that misses reads ahead: the records after it on the
 * partition are kept, up to {@link #KEPT_BYTES}, since the lane asks for a tenant's records in log order and
 * each miss costs a seek and a fetch. The log never changes what a position holds, so a kept record is
 * always the record of its position. Thread-safe (one read at a time); the consumer is opened on first use.
 */
final class LogReader implements HeavyLane.Refetch, AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Read ahead, kept until asked for or pushed out (oldest first) by newer reads. */
    static final long KEPT_BYTES = 16L << 20;
    private static final int READ_AHEAD_RECORDS = 500;

    private final Map<String, Object> kafkaClientProps;
    private final LinkedHashMap<Bookmark, byte[]> kept = new LinkedHashMap<>();
    private long keptBytes;
    private KafkaConsumer<String, byte[]> consumer;

    LogReader(Map<String, Object> kafkaClientProps) {
        this.kafkaClientProps = Map.copyOf(kafkaClientProps);
    }

    @Override
    public synchronized TenantCommand fetch(Bookmark position) {
        byte[] ahead = kept.remove(position);
        if (ahead != null) {
            keptBytes -= ahead.length;
            return Serdes.COMMAND.decode(ahead);
        }
        if (consumer == null) consumer = open();
        TopicPartition tp = new TopicPartition(TopicCatalog.TENANT_LOG, position.partition());
        consumer.assign(List.of(tp));
        consumer.seek(tp, position.offset());
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        byte[] found = null;
        while (found == null && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() == position.offset()) found = r.value();
                else if (r.offset() > position.offset() && found == null) {
                    throw new IllegalStateException("record " + position + " is not in the log any more");
                } else if (r.offset() > position.offset() && r.value() != null) keep(new Bookmark(position.partition(), r.offset()), r.value());
            }
        }
        if (found == null) throw new IllegalStateException("could not read record " + position + " of " + TopicCatalog.TENANT_LOG + " within " + TIMEOUT);
        return Serdes.COMMAND.decode(found);
    }

    private void keep(Bookmark position, byte[] value) {
        byte[] was = kept.put(position, value);
        keptBytes += value.length - (was == null ? 0 : was.length);
        var oldest = kept.entrySet().iterator();
        while (keptBytes > KEPT_BYTES && oldest.hasNext()) {
            keptBytes -= oldest.next().getValue().length;
            oldest.remove();
        }
    }

    private KafkaConsumer<String, byte[]> open() {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cairn-log-reader");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, READ_AHEAD_RECORDS);
        // The consumer fetches ahead after every poll; the seek of the next miss waits for that fetch to come back,
        // which at the end of the partition is the broker's fetch wait (500 ms by default).
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public synchronized void close() {
        kept.clear();
        keptBytes = 0;
        if (consumer != null) consumer.close();
    }
}
