package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.DeadLetter;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads {@code cairn.dead-letters}: the positions of the log the live applier quarantined. */
final class DeadLetters {
    private DeadLetters() {}

    /**
     * Every quarantined position on the given partitions of the log, read to the topic's current end with
     * {@code consumer}, which stays open for the caller to assign again. An absent topic (a log from before
     * dead letters) lists none.
     */
    static Set<Bookmark> read(KafkaConsumer<String, byte[]> consumer, Collection<TopicPartition> logPartitions) {
        Set<Integer> wanted = logPartitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
        Set<Bookmark> out = new HashSet<>();
        TopicReads.read(consumer, TopicCatalog.DEAD_LETTERS, Duration.ofMinutes(2), r -> {
            if (r.value() == null) return;
            DeadLetter d = Serdes.DEAD_LETTER.decode(r.value());
            if (wanted.contains(d.getPartition())) out.add(new Bookmark(d.getPartition(), d.getOffset()));
        });
        return out;
    }
}
