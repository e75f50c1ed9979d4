package io.cairn.edge.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of one topic on its own thread, with no consumer group: the edge needs all
 * of a topic (every outcome, every tenant's state), not a share of it. Subclasses choose where to
 * start ({@link #position}) and what to do with records; {@link #ready()} turns true once
 * {@link #position} returned and the reader has caught up to what it decided to catch up to.
 * Transient Kafka errors are logged and retried; the thread only ends on {@link #close()}.
 */
public abstract class AssignedReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AssignedReader.class);

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String threadName;
    private Thread thread;
    private volatile boolean ready;
    /** When the records of the current poll were taken in hand ({@code System.nanoTime()}); 0 while polling. */
    private volatile long handlingSince;
    /** How long one poll's records may be in hand before {@link #ready()} says the reader is stuck, by default. */
    public static final Duration STALLED = Duration.ofSeconds(30);
    private final long stalledAfterNanos;

    protected AssignedReader(String topic, Map<String, Object> consumerConfig, String threadName) {
        this(topic, consumerConfig, threadName, STALLED);
    }

    /** @param stalledAfter how long one poll's records may be in hand before {@link #ready()} turns false */
    protected AssignedReader(String topic, Map<String, Object> consumerConfig, String threadName, Duration stalledAfter) {
        this.stalledAfterNanos = stalledAfter.toNanos();
        this.topic = topic;
        this.consumer = new KafkaConsumer<>(consumerConfig);
        this.threadName = threadName;
    }

    /** Starts the reader's thread (once; not from the constructor, so a subclass is fully built first). */
    public final synchronized void start() {
        if (thread == null && !closed.get()) thread = Thread.ofPlatform().daemon().name(threadName).start(this::run);
    }

    /**
     * Caught up, and not stuck: false while the records of one poll have been in hand for longer than the
     * constructor's {@code stalledAfter} ({@link #STALLED} by default). The edge's health then names the reader,
     * so an edge whose view stopped moving is taken out of service instead of answering from a frozen directory.
     */
    public final boolean ready() {
        long since = handlingSince;
        return ready && (since == 0 || System.nanoTime() - since < stalledAfterNanos);
    }

    /** Called once on the reader's thread after assignment: seek, and note what "caught up" means. */
    protected abstract void position(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions);

    /** Called on the reader's thread for every record. */
    protected abstract void accept(ConsumerRecord<String, byte[]> record);

    /** Called after each poll until it returns true, then never again; the reader is ready from then on. */
    protected abstract boolean caughtUp(KafkaConsumer<String, byte[]> consumer);

    private void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            consumer.assign(partitions);
            position(consumer, partitions);
            while (!closed.get()) {
                if (!ready && caughtUp(consumer)) {
                    ready = true;
                    log.info("{} reader ready ({} partitions)", topic, partitions.size());
                }
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(ready ? 500 : 100));
                if (!records.isEmpty()) handlingSince = System.nanoTime() | 1; // never 0: 0 means "in poll"
                for (ConsumerRecord<String, byte[]> r : records) {
                    try {
                        accept(r);
                    } catch (RuntimeException e) {
                        // One undecodable record must not stop the edge; it is logged with its position.
                        log.error("skipping record {}-{}@{}: {}", topic, r.partition(), r.offset(), e.toString());
                    }
                }
                handlingSince = 0;
            }
        } catch (WakeupException e) {
            if (!closed.get()) log.error("{} reader woken unexpectedly", topic, e);
        } catch (RuntimeException e) {
            log.error("{} reader stopped", topic, e);
        } finally {
            ready = false;
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
        }
    }

    private List<TopicPartition> awaitPartitions() {
        while (!closed.get()) {
            try {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                if (infos != null && !infos.isEmpty()) {
                    return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                log.warn("waiting for topic {} metadata: {}", topic, e.getMessage());
            }
            sleepQuietly();
        }
        throw new WakeupException();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    @Override
    public synchronized void close() {
        if (closed.compareAndSet(false, true)) {
            if (thread == null) {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
                return;
            }
            consumer.wakeup();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
