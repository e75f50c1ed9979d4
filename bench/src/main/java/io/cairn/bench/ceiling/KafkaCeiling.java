package io.cairn.bench.ceiling;

import io.cairn.bench.load.Latency;
import io.cairn.bench.load.OpenLoop;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A raw idempotent {@code acks=all} producer on the stack's own broker, to a topic partitioned like
 * {@code cairn.tenant-log}: the floor of one log append (ack latency at the write scenario's rate) and
 * the most small records the broker takes per second.
 */
public final class KafkaCeiling {
    /** Ack latency at low load (open loop) and records/s at saturation. */
    public record Result(Latency ack, double recordsPerSecond) {}

    private static final String TOPIC = "bench.raw";
    private static final int PARTITIONS = 8;
    private static final int KEYS = 1_000;

    private KafkaCeiling() {}

    public static Result measure(Map<String, Object> clientProps, int perSecond, Duration lowLoad, int saturationRecords,
            int recordBytes) throws Exception {
        try (Admin admin = Admin.create(clientProps)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        byte[] value = new byte[recordBytes];
        Latency ack;
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(producer(clientProps, 0))) {
            p.send(new ProducerRecord<>(TOPIC, "warm-up", value)).get(); // metadata, connection
            OpenLoop.run(perSecond, Duration.ofSeconds(1), seq -> p.send(new ProducerRecord<>(TOPIC, key(seq), value)).get());
            ack = OpenLoop.run(perSecond, lowLoad, seq -> p.send(new ProducerRecord<>(TOPIC, key(seq), value)).get());
        }
        double rate;
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(producer(clientProps, 5))) {
            saturate(p, value, Math.min(saturationRecords, 50_000)); // warm-up
            long t0 = System.nanoTime();
            saturate(p, value, saturationRecords);
            rate = saturationRecords / ((System.nanoTime() - t0) / 1e9);
        }
        return new Result(ack, rate);
    }

    private static void saturate(KafkaProducer<String, byte[]> p, byte[] value, int records) throws Exception {
        CountDownLatch acked = new CountDownLatch(records);
        AtomicReference<Exception> failure = new AtomicReference<>();
        for (int i = 0; i < records; i++) {
            p.send(new ProducerRecord<>(TOPIC, key(i), value), (md, e) -> {
                if (e != null) failure.compareAndSet(null, e);
                acked.countDown();
            });
        }
        acked.await();
        if (failure.get() != null) throw failure.get();
    }

    private static String key(long seq) {
        return "tenant-" + (seq % KEYS);
    }

    private static Map<String, Object> producer(Map<String, Object> base, int lingerMs) {
        Map<String, Object> p = new HashMap<>(base);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }
}
