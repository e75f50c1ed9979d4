package io.cairn.edge.kafka;

import io.cairn.topics.TopicCatalog;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The edge's Kafka client settings, merged over what the launcher passes (bootstrap servers and
 * security: plaintext, TLS or MSK IAM). The edge's own settings win: they are what the protocol with
 * the applier relies on (idempotent {@code acks=all} produce; committed-only reads).
 */
public final class ClientConfigs {
    private ClientConfigs() {}

    public static Map<String, Object> producer(Map<String, Object> base, String clientId) {
        Map<String, Object> p = new HashMap<>(base);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // No linger: a lone write would wait the whole linger for company (measured by ./cairn bench: +1 ms
        // on every single write at 200 req/s). Under load records still batch behind the in-flight requests.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicCatalog.MAX_MESSAGE_BYTES);
        // A write the broker cannot take within ~10 s surfaces as 503 rather than hanging the request.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /** An admin client (for the log's end offsets). */
    public static Map<String, Object> admin(Map<String, Object> base, String clientId) {
        Map<String, Object> a = new HashMap<>(base);
        a.remove(ConsumerConfig.GROUP_ID_CONFIG);
        a.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return a;
    }

    /** A group-less consumer (partitions are assigned by hand, nothing is committed). */
    public static Map<String, Object> assignedConsumer(Map<String, Object> base, String clientId) {
        Map<String, Object> c = new HashMap<>(base);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The applier may write transactionally: an aborted outcome or state must never be seen.
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return c;
    }
}
