package io.cairn.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.devstack.EmbeddedKafka;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.streams.apply.Applier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * Under a backlog, a stream thread takes turns between its partitions within a poll, with the applier's poll
 * settings ({@link Applier#pollSettings}) against a real broker. Streams applies what a poll gave before it polls
 * again, and a poll hands out fetched records partition by partition: with Kafka's default of 1 MiB of a partition
 * per fetch, a stream thread applied one or two partitions for 5-15 s at a time under a backlog while its others
 * (their tenants' writes) waited. Here every partition holds about 1 MB before the stream starts: each must have had
 * records applied before any has had half of its own.
 */
class PartitionTurnsIT {
    private static final String TOPIC = "turns-in";
    private static final int PARTITIONS = 4;
    private static final int RECORDS_PER_PARTITION = 2_000;
    private static final String VALUE = "v".repeat(500);

    @TempDir Path dir;

    @Test
    void everyPartitionOfABacklogGetsATurnBeforeAnyIsHalfDone() throws Exception {
        AtomicIntegerArray applied = new AtomicIntegerArray(PARTITIONS);
        AtomicReference<int[]> whenFirstHalfDone = new AtomicReference<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            Map<String, Object> client = new HashMap<>(KafkaSettings.embedded(kafka.bootstrapServers()).clientProperties());
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                    for (int p = 0; p < PARTITIONS; p++) producer.send(new ProducerRecord<>(TOPIC, p, "k", VALUE));
                }
                producer.flush();
            }
            Topology topology = new Topology();
            topology.addSource("in", TOPIC);
            topology.addProcessor("p", () -> new Processor<String, String, Void, Void>() {
                private ProcessorContext<Void, Void> context;

                @Override
                public void init(ProcessorContext<Void, Void> context) {
                    this.context = context;
                }

                @Override
                public void process(Record<String, String> record) {
                    int partition = context.recordMetadata().orElseThrow().partition();
                    if (applied.incrementAndGet(partition) == RECORDS_PER_PARTITION / 2) {
                        int[] seen = new int[PARTITIONS];
                        for (int p = 0; p < PARTITIONS; p++) seen[p] = applied.get(p);
                        whenFirstHalfDone.compareAndSet(null, seen);
                    }
                }
            }, "in");

            Properties props = new Properties();
            props.putAll(client);
            props.putAll(Applier.pollSettings());
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "partition-turns");
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1); // one thread owns every partition, as on a small applier
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
            props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
            try (KafkaStreams streams = new KafkaStreams(topology, props)) {
                streams.start();
                await("the backlog applied").atMost(Duration.ofMinutes(2)).until(() -> {
                    for (int p = 0; p < PARTITIONS; p++) if (applied.get(p) < RECORDS_PER_PARTITION) return false;
                    return true;
                });
            }
        }
        int[] seen = whenFirstHalfDone.get();
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(seen[p]).as("records of partition %d applied when the first partition was half done: %s", p,
                    java.util.Arrays.toString(seen)).isPositive();
        }
    }
}
