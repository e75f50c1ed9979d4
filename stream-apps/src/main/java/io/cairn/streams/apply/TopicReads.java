package io.cairn.streams.apply;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/** Reads a whole topic once, without a consumer group: every partition from its start to its end as of now. */
final class TopicReads {
    private TopicReads() {}

    /**
     * Hands every record of {@code topic} to {@code each}, partition by partition in offset order, up to
     * the end offsets seen when it starts; closes {@code consumer}. An absent topic has no records.
     *
     * @throws IllegalStateException when it cannot read to the end within {@code within}
     */
    static void toEnd(KafkaConsumer<String, byte[]> consumer, String topic, Duration within, Consumer<ConsumerRecord<String, byte[]>> each) {
        try (consumer) {
            read(consumer, topic, within, each);
        }
    }

    /**
     * As {@link #toEnd}, but leaves {@code consumer} open for the caller to assign again (a replay reads the
     * dead letters, then the log, with one consumer). Partitions that hold nothing are not fetched: when
     * none holds anything, this costs two offset lookups and no fetch.
     */
    static void read(KafkaConsumer<String, byte[]> consumer, String topic, Duration within, Consumer<ConsumerRecord<String, byte[]>> each) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) return;
        List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        // Assigned before their offsets are asked: the client (4.3) logs a warning for every offset it gets
        // of a partition the consumer does not hold.
        consumer.assign(parts);
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
        Map<TopicPartition, Long> starts = consumer.beginningOffsets(parts, Duration.ofSeconds(30));
        List<TopicPartition> held = parts.stream().filter(tp -> ends.get(tp) > starts.get(tp)).toList();
        if (held.isEmpty()) return;
        consumer.assign(held);
        held.forEach(tp -> consumer.seek(tp, starts.get(tp)));
        long deadline = System.nanoTime() + within.toNanos();
        while (held.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + topic + " to its end");
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) each.accept(r);
        }
    }
}
