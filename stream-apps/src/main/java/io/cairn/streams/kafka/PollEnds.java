package io.cairn.streams.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Where each partition's fetched records end: the offset of the last record the consumer's latest poll
 * returned for it. A processor that meets that offset has drained everything fetched for its partition,
 * the moment to commit a group (group commit that groups: as many records as arrived, and no wait
 * for a lone one). Fed by {@link Interceptor}, which Kafka calls inside {@code poll} on the stream
 * thread, before Streams hands the records to its tasks.
 */
public final class PollEnds {
    /** The consumer config key under which the interceptor finds its {@link PollEnds}. */
    public static final String CONFIG = "cairn.poll.ends";

    private final Map<TopicPartition, Long> lastFetched = new ConcurrentHashMap<>();

    /**
     * True when {@code offset} is the last record fetched for the partition so far (nothing more is
     * buffered for it), or when nothing is known of the partition (then every record counts as the last).
     */
    public boolean drained(String topic, int partition, long offset) {
        Long last = lastFetched.get(new TopicPartition(topic, partition));
        return last == null || offset >= last;
    }

    /** Records that the latest fetch for the partition ended at {@code offset}. */
    public void fetchedUpTo(String topic, int partition, long offset) {
        lastFetched.put(new TopicPartition(topic, partition), offset);
    }

    void fetched(ConsumerRecords<?, ?> records) {
        for (TopicPartition tp : records.partitions()) {
            var list = records.records(tp);
            if (!list.isEmpty()) lastFetched.put(tp, list.getLast().offset());
        }
    }

    /** The consumer interceptor that feeds a {@link PollEnds} (configured under {@link #CONFIG}). */
    public static final class Interceptor implements ConsumerInterceptor<byte[], byte[]> {
        private PollEnds ends;

        @Override
        public void configure(Map<String, ?> configs) {
            Object o = configs.get(CONFIG);
            if (!(o instanceof PollEnds p)) throw new IllegalArgumentException(CONFIG + " must hold the applier's PollEnds");
            this.ends = p;
        }

        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            ends.fetched(records);
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            // nothing: only fetches matter
        }

        @Override
        public void close() {
            // nothing held
        }
    }
}
