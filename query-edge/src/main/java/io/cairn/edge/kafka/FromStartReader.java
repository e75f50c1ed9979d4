package io.cairn.edge.kafka;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * An {@link AssignedReader} of a compacted topic that the edge keeps whole in memory: it reads every
 * partition from its beginning and is ready once it has read up to the end offsets seen at start-up,
 * so what existed before the edge started is known before the edge serves a request.
 */
public abstract class FromStartReader extends AssignedReader {
    private volatile Map<TopicPartition, Long> startEnds;

    protected FromStartReader(String topic, Map<String, Object> consumerConfig, String threadName) {
        super(topic, consumerConfig, threadName);
    }

    @Override
    protected final void position(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
        consumer.seekToBeginning(partitions);
        startEnds = consumer.endOffsets(partitions);
    }

    @Override
    protected final boolean caughtUp(KafkaConsumer<String, byte[]> consumer) {
        for (Map.Entry<TopicPartition, Long> e : startEnds.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        }
        return true;
    }
}
