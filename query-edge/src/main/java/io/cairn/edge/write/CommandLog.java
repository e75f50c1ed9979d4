package io.cairn.edge.write;

import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.topics.Bookmark;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.TenantCommand;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends commands to {@code cairn.tenant-log}, keyed by tenant so a tenant's commands share one
 * partition and keep their order. The producer is idempotent with {@code acks=all}: an acknowledged
 * command is in the log and will be applied. Thread-safe.
 */
public final class CommandLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommandLog.class);

    private final KafkaProducer<String, byte[]> producer;
    private final LogEnds ends;
    private volatile boolean ready;
    private volatile boolean closed;
    private final WriteGate gate;

    /** Appends to the log; every acknowledged record moves {@code ends}. */
    public CommandLog(Map<String, Object> kafkaClientProps, LogEnds ends) {
        this(kafkaClientProps, ends, WriteGate.OPEN);
    }

    /** As above, appending only while {@code gate} allows it (503 {@code standby_read_only} otherwise). */
    public CommandLog(Map<String, Object> kafkaClientProps, LogEnds ends, WriteGate gate) {
        this.producer = new KafkaProducer<>(ClientConfigs.producer(kafkaClientProps, "cairn-edge-commands"));
        this.ends = ends;
        this.gate = gate;
    }

    /** Fetches the log's metadata in the background; {@link #ready()} turns true when it arrived. */
    public void warmUp() {
        Thread.ofVirtual().name("cairn-edge-producer-warmup").start(() -> {
            while (!ready && !closed) {
                try {
                    ready = !producer.partitionsFor(TopicCatalog.TENANT_LOG).isEmpty();
                } catch (RuntimeException e) {
                    log.warn("waiting for {} metadata: {}", TopicCatalog.TENANT_LOG, e.getMessage());
                    if (e instanceof IllegalStateException || closed) return; // closed (the producer says so in more than one way)
                }
            }
        });
    }

    public boolean ready() {
        return ready;
    }

    /**
     * Appends one command. The future completes with the record's bookmark once the broker acknowledged
     * it, or exceptionally with {@link LogUnavailableException} when Kafka could not take it.
     */
    public CompletableFuture<Bookmark> append(TenantCommand command) {
        gate.check();
        CompletableFuture<Bookmark> acked = new CompletableFuture<>();
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(TopicCatalog.TENANT_LOG, null, command.getIngressTimeMs(), command.getTenant(),
                        Serdes.COMMAND.encode(command)); // timestamped with its ingress time: restores by time find it by that
        try {
            producer.send(record, (meta, error) -> {
                if (error != null) acked.completeExceptionally(new LogUnavailableException(error));
                else {
                    Bookmark b = new Bookmark(meta.partition(), meta.offset());
                    ends.observed(b);
                    acked.complete(b);
                }
            });
        } catch (RuntimeException e) {
            acked.completeExceptionally(new LogUnavailableException(e));
        }
        return acked;
    }

    @Override
    public void close() {
        closed = true;
        ready = false;
        producer.close(Duration.ofSeconds(5));
    }
}
