package io.cairn.edge.write;

import io.cairn.edge.kafka.ClientConfigs;
import io.cairn.topics.Bookmark;
import io.cairn.topics.TopicCatalog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Where each partition of the tenant log ends, so that a bookmark the log never issued (an offset at
 * or past the end) is told apart from one that is simply not applied yet: the first is a client's
 * mistake ({@code invalid_bookmark}), the second worth waiting for. Bookmarks this edge issued itself
 * move the known end without asking Kafka; any other bookmark past the known end asks once (one
 * request in flight per partition however many clients ask). Also where a partition starts, and which
 * offset a time falls on (restores and as-of reads). Thread-safe.
 */
public final class LogEnds implements AutoCloseable {
    private final Admin admin;
    private final Map<Integer, Long> ends = new ConcurrentHashMap<>();
    private final Map<Integer, Object> locks = new ConcurrentHashMap<>();

    public LogEnds(Map<String, Object> kafkaClientProps) {
        this.admin = Admin.create(ClientConfigs.admin(kafkaClientProps, "cairn-edge-log-ends"));
    }

    /** A record this edge appended: the log reaches at least past it. */
    public void observed(Bookmark b) {
        ends.merge(b.partition(), b.offset() + 1, Math::max);
    }

    /**
     * True when the log has (or had) a record at {@code b}. Throws {@link LogUnavailableException} when
     * Kafka cannot say.
     */
    public boolean issued(Bookmark b) throws InterruptedException {
        if (b.offset() < ends.getOrDefault(b.partition(), 0L)) return true;
        synchronized (locks.computeIfAbsent(b.partition(), p -> new Object())) {
            if (b.offset() < ends.getOrDefault(b.partition(), 0L)) return true; // another request just asked
            TopicPartition tp = new TopicPartition(TopicCatalog.TENANT_LOG, b.partition());
            try {
                long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(5, TimeUnit.SECONDS).offset();
                ends.merge(b.partition(), end, Math::max);
            } catch (ExecutionException | TimeoutException e) {
                throw new LogUnavailableException(e);
            }
        }
        return b.offset() < ends.getOrDefault(b.partition(), 0L);
    }

    /** Every partition's end, asked of Kafka now (one request); also moves the known ends. */
    public Map<Integer, Long> ends() throws InterruptedException {
        try {
            Map<Integer, Long> out = TopicCatalog.endOffsets(admin, TopicCatalog.TENANT_LOG, java.time.Duration.ofSeconds(5));
            out.forEach((p, end) -> ends.merge(p, end, Math::max));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new LogUnavailableException(e);
        }
    }

    /** The partition's first offset still in the log (retention may have removed the ones before). */
    public long start(int partition) throws InterruptedException {
        return offset(partition, OffsetSpec.earliest());
    }

    /** The partition's end: the offset its next record gets. */
    public long end(int partition) throws InterruptedException {
        long end = offset(partition, OffsetSpec.latest());
        ends.merge(partition, end, Math::max);
        return end;
    }

    /**
     * The first offset of the partition whose record was appended at or after {@code timeMs} (records
     * carry their ingress time), or the partition's end when none was.
     */
    public long firstAtOrAfter(int partition, long timeMs) throws InterruptedException {
        long found = offset(partition, OffsetSpec.forTimestamp(timeMs));
        return found >= 0 ? found : end(partition);
    }

    private long offset(int partition, OffsetSpec spec) throws InterruptedException {
        TopicPartition tp = new TopicPartition(TopicCatalog.TENANT_LOG, partition);
        try {
            return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(5, TimeUnit.SECONDS).offset();
        } catch (ExecutionException | TimeoutException e) {
            throw new LogUnavailableException(e);
        }
    }

    @Override
    public void close() {
        // Not Admin's default (wait out every pending call): with Kafka gone a stop would hang for the calls' 60 s timeout.
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
