package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.DeadLetter;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/** Reads {@code cairn.dead-letters}: the positions of the log the live applier quarantined. */
final class DeadLetters {
    private DeadLetters() {}

    /**
     * Every quarantined position on the given partitions of the log, read to the topic's current end.
     * Closes {@code consumer}. An absent topic (a log from before dead letters) lists none.
     */
    static Set<Bookmark> read(KafkaConsumer<String, byte[]> consumer, Collection<TopicPartition> logPartitions) {
        Set<Integer> wanted = logPartitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
        Set<Bookmark> out = new HashSet<>();
        try (consumer) {
            List<PartitionInfo> infos = consumer.partitionsFor(TopicCatalog.DEAD_LETTERS, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) return out;
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + TopicCatalog.DEAD_LETTERS);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) continue;
                    DeadLetter d = Serdes.DEAD_LETTER.decode(r.value());
                    if (wanted.contains(d.getPartition())) out.add(new Bookmark(d.getPartition(), d.getOffset()));
                }
            }
        }
        return out;
    }
}
