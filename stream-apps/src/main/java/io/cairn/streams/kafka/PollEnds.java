package io.cairn.streams.kafka;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the consumer's latest poll ends: for each partition, the offset of the last record it returned.
 * A processor that has applied the last fetched record of <em>every</em> partition its thread fetched has
 * drained the poll, the moment to commit a group (group commit that groups: as many records as arrived,
 * across all of the thread's partitions, and no wait for a lone one). Fed by {@link Interceptor}, which
 * Kafka calls inside {@code poll} on the stream thread, before Streams hands the records to its tasks;
 * the processors of that thread's tasks ask on the same thread, so each stream thread keeps its own view.
 */
public final class PollEnds {
    /** The consumer config key under which the interceptor finds its {@link PollEnds}. */
    public static final String CONFIG = "cairn.poll.ends";

    /** One stream thread's view: the last fetched offset per partition, and the partitions not yet drained. */
    private static final class Fetched {
        final Map<TopicPartition, Long> last = new HashMap<>();
        final Set<TopicPartition> undrained = new HashSet<>();
    }

    private final ThreadLocal<Fetched> fetched = ThreadLocal.withInitial(Fetched::new);

    /**
     * Notes that {@code offset} of the partition was applied; true when that drains every partition this
     * thread fetched (nothing more is buffered for any of them), or when nothing is buffered at all.
     */
    public boolean drained(String topic, int partition, long offset) {
        Fetched f = fetched.get();
        TopicPartition tp = new TopicPartition(topic, partition);
        Long last = f.last.get(tp);
        if (last == null || offset >= last) f.undrained.remove(tp);
        return f.undrained.isEmpty();
    }

    /** Records, for the calling thread, that the latest fetch for the partition ended at {@code offset}. */
    public void fetchedUpTo(String topic, int partition, long offset) {
        Fetched f = fetched.get();
        TopicPartition tp = new TopicPartition(topic, partition);
        f.last.put(tp, offset);
        f.undrained.add(tp);
    }

    /** Forgets the partition for the calling thread (its task closed: nothing of it will be applied here). */
    public void forget(String topic, int partition) {
        Fetched f = fetched.get();
        TopicPartition tp = new TopicPartition(topic, partition);
        f.last.remove(tp);
        f.undrained.remove(tp);
    }

    void fetched(ConsumerRecords<?, ?> records) {
        for (TopicPartition tp : records.partitions()) {
            var list = records.records(tp);
            if (!list.isEmpty()) fetchedUpTo(tp.topic(), tp.partition(), list.getLast().offset());
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
