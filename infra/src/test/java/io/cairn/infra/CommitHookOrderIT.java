package io.cairn.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.devstack.EmbeddedKafka;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.streams.kafka.CommitHookStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The applier and the materializer rely on {@link CommitHookStore} running before Kafka Streams commits a
 * task's input offsets: what the hook makes durable (the open SQLite group, its sync, the records the heavy
 * lane has yet to apply) must be so before Kafka calls those records consumed. Streams has no public hook
 * there, and calls its stores' {@code commit} only after the offsets, so this proves the order against a real
 * broker: every offset Streams commits was covered by a hook run before it. An upgrade of Streams that moves
 * the call fails here, not in a crash.
 */
class CommitHookOrderIT {
    private static final String TOPIC = "hook-order-in";
    private static final int RECORDS = 200;
    /** The offset after the last record the processor had processed when the hook last ran. */
    static final AtomicLong hookedUpTo = new AtomicLong(-1);
    /** Offsets committed for the input, each beside what the hook covered when it was committed. */
    static final List<long[]> commits = new CopyOnWriteArrayList<>();

    @TempDir Path dir;

    @Test
    void theHookRunsBeforeEveryOffsetCommitOfItsTask() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            Map<String, Object> client = new HashMap<>(KafkaSettings.embedded(kafka.bootstrapServers()).clientProperties());
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            AtomicLong processedNext = new AtomicLong(0);
            Topology topology = new Topology();
            topology.addSource("in", TOPIC);
            topology.addProcessor("p", () -> new Processor<String, String, Void, Void>() {
                private ProcessorContext<Void, Void> context;

                @Override
                public void init(ProcessorContext<Void, Void> context) {
                    this.context = context;
                    CommitHookStore hook = context.getStateStore("hook");
                    hook.onCommit(() -> hookedUpTo.set(processedNext.get()));
                }

                @Override
                public void process(Record<String, String> record) {
                    processedNext.set(context.recordMetadata().orElseThrow().offset() + 1);
                }
            }, "in");
            topology.addStateStore(CommitHookStore.builder("hook"), "p");

            Properties props = new Properties();
            props.putAll(client);
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hook-order");
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE); // as the applier's
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 20);
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
            props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
            props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG), CommitsSeen.class.getName());
            try (KafkaStreams streams = new KafkaStreams(topology, props);
                 KafkaProducer<String, String> producer = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
                streams.start();
                // In bursts, each processed before the next is sent: every burst is new work between two commits.
                for (int sent = 0; sent < RECORDS; ) {
                    for (int i = 0; i < 10; i++, sent++) producer.send(new ProducerRecord<>(TOPIC, "k", "v" + sent));
                    producer.flush();
                    long until = sent;
                    await("burst processed").atMost(Duration.ofMinutes(1)).until(() -> processedNext.get() >= until);
                    await("burst committed").atMost(Duration.ofMinutes(1))
                            .until(() -> commits.stream().anyMatch(c -> c[0] >= until));
                }
            }
        }
        assertThat(commits).as("offset commits seen").isNotEmpty();
        for (long[] c : commits) {
            assertThat(c[0]).as("an offset committed with the hook having covered only %d", c[1]).isLessThanOrEqualTo(c[1]);
        }
    }

    /** Sees each offset commit of the input as the broker accepted it (Kafka calls it after a successful commit). */
    public static final class CommitsSeen implements ConsumerInterceptor<byte[], byte[]> {
        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            OffsetAndMetadata in = offsets.get(new TopicPartition(TOPIC, 0));
            if (in != null) commits.add(new long[] {in.offset(), hookedUpTo.get()});
        }

        @Override
        public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {}
    }
}
