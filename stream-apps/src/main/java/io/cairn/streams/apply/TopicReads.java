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
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) return;
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + within.toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + topic + " to its end");
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) each.accept(r);
            }
        }
    }
}
