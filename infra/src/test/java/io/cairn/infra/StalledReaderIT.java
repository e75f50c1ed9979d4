package io.cairn.infra;

import static org.awaitility.Awaitility.await;

import io.cairn.devstack.EmbeddedKafka;
import io.cairn.edge.kafka.AssignedReader;
import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.infra.config.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An edge's reader (its tenant directory, its outcomes) stuck on a record says so: {@code ready()} turns false
 * and the edge's {@code /health} names it, instead of the edge answering for good from a view that stopped
 * moving (a directory stuck this way answered every create 409 and every delete 404 while healthy).
 */
class StalledReaderIT {
    private static final String TOPIC = "stalled-reader-in";

    @TempDir Path dir;

    @Test
    void aReaderStuckOnARecordIsNotReadyUntilItMovesOn() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            Map<String, Object> client = new HashMap<>(KafkaSettings.embedded(kafka.bootstrapServers()).clientProperties());
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            CountDownLatch stuck = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            try (Reader reader = new Reader(ClientConfigs.assignedConsumer(client, "stalled-reader"), stuck, release)) {
                reader.start();
                await().atMost(Duration.ofSeconds(60)).until(reader::ready);

                Map<String, Object> p = new HashMap<>(client);
                p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
                p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
                    producer.send(new ProducerRecord<>(TOPIC, "k", new byte[] {1})).get();
                }
                stuck.await();
                await().atMost(Duration.ofSeconds(30)).until(() -> !reader.ready());

                release.countDown();
                await().atMost(Duration.ofSeconds(30)).until(reader::ready);
            }
        }
    }

    /** Reads the topic from its start; its first record holds the thread until released. */
    private static final class Reader extends AssignedReader {
        private final CountDownLatch stuck;
        private final CountDownLatch release;

        Reader(Map<String, Object> config, CountDownLatch stuck, CountDownLatch release) {
            super(TOPIC, config, "stalled-reader", Duration.ofSeconds(1));
            this.stuck = stuck;
            this.release = release;
        }

        @Override
        protected void position(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
            consumer.seekToBeginning(partitions);
        }

        @Override
        protected void accept(ConsumerRecord<String, byte[]> record) {
            stuck.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        protected boolean caughtUp(KafkaConsumer<String, byte[]> consumer) {
            return true;
        }
    }
}
