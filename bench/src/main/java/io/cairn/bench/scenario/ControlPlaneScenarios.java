package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.Latency;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.metadata.TenantRecord;
import io.cairn.connectors.metadata.WriteCounts;
import io.cairn.streams.materialize.Materializer;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.WriteUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The control plane's costs: the raw {@code PutItem} rate of the stack's DynamoDB Local (the ceiling),
 * the materializer draining a burst of tenant states through Kafka, and the fleet listing over HTTP.
 */
public final class ControlPlaneScenarios {
    /** Writers of the PutItem ceiling: the materializer's own concurrency. */
    public static final int CONCURRENCY = 16;

    private ControlPlaneScenarios() {}

    /** Items per second 16 writers put into a table of the same DynamoDB Local. */
    public static double putItemCeiling(DynamoDbClient dynamo, Duration run) throws Exception {
        String table = "bench-ceiling";
        AttributeDefinition id = AttributeDefinition.builder().attributeName("tenant").attributeType(ScalarAttributeType.S).build();
        KeySchemaElement key = KeySchemaElement.builder().attributeName("tenant").keyType(KeyType.HASH).build();
        dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST).attributeDefinitions(id).keySchema(key));
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
        AtomicLong puts = new AtomicLong();
        long end = System.nanoTime() + run.toNanos();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY)) {
            for (int w = 0; w < CONCURRENCY; w++) {
                int writer = w;
                pool.submit(() -> {
                    for (long i = 0; System.nanoTime() < end; i++) {
                        Map<String, AttributeValue> item = new HashMap<>();
                        item.put("tenant", AttributeValue.fromS("c" + writer + "-" + i));
                        item.put("tier", AttributeValue.fromS("HOT"));
                        item.put("applied_offset", AttributeValue.fromN(Long.toString(i)));
                        item.put("size_bytes", AttributeValue.fromN("4096"));
                        dynamo.putItem(r -> r.tableName(table).item(item));
                        puts.incrementAndGet();
                    }
                });
            }
        }
        return puts.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** What draining a burst cost: states per second end to end, how long after the burst's last ack, the highest lag seen. */
    public record Drain(double statesPerSecond, double secondsAfterBurst, long peakLag) {}

    /** A materializer started late caught up: {@code records} of both topics in {@code seconds}. */
    public record CatchUp(long records, double seconds) {}

    /** Starts the materializer and waits until it wrote out everything the topics held when it started. */
    public static CatchUp catchUp(Supplier<Materializer> start) throws Exception {
        long t0 = System.nanoTime();
        Materializer materializer = start.get();
        long backlog = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            long lag = materializer.lagNow();
            if (backlog < 0) backlog = lag;
            if (lag == 0) break;
            if (System.nanoTime() > deadline) throw new IllegalStateException("the materializer did not catch up in 10 minutes (lag " + lag + ")");
            Thread.sleep(20); // pacing the polls
        }
        return new CatchUp(backlog, (System.nanoTime() - t0) / 1e9);
    }

    /** Produces {@code count} states of new tenants to cairn.tenant-state at once, then waits until the materializer wrote them all. */
    public static Drain materialize(Map<String, Object> kafkaProps, Materializer materializer, MetadataStore store, String prefix,
            int count) throws Exception {
        Map<String, Object> p = new HashMap<>(kafkaProps);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                String tenant = prefix + i;
                producer.send(new ProducerRecord<>(TopicCatalog.TENANT_STATE, tenant, Serdes.STATE.encode(state(tenant, i))));
            }
            producer.flush();
        }
        long acked = System.nanoTime();
        long peak = 0;
        long deadline = acked + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            long lag = materializer.lagNow();
            peak = Math.max(peak, lag);
            if (lag == 0 && sampleWritten(store, prefix, count)) break;
            if (System.nanoTime() > deadline) throw new IllegalStateException("the materializer did not catch up in 10 minutes (lag " + lag + ")");
            Thread.sleep(20); // pacing the polls
        }
        long done = System.nanoTime();
        return new Drain(count / ((done - start) / 1e9), (done - acked) / 1e9, peak);
    }

    /** Every 100th tenant of the burst, and its last, is in the store (a lag of 0 is not taken on trust). */
    private static boolean sampleWritten(MetadataStore store, String prefix, int count) {
        for (int i = 0; i < count; i += 100) {
            if (store.get(prefix + i).isEmpty()) return false;
        }
        return store.get(prefix + (count - 1)).isPresent();
    }

    /** Puts synthetic tenants straight into the store until it holds at least {@code total} (16 writers). */
    public static void fill(MetadataStore store, String prefix, int total) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < CONCURRENCY; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int i = writer; i < total; i += CONCURRENCY) {
                        String tenant = prefix + i;
                        store.upsert(new TenantRecord(tenant, i % 10 == 0 ? Tier.COLD : Tier.HOT, i % 8, 1, i % 3, 4096,
                                1_700_000_000_000L, 1_700_000_000_000L + i, List.of(), null, 1_700_000_000_000L + i, WriteCounts.NONE));
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) f.get();
        }
    }

    /** A whole listing over HTTP: per-page latency, the total time, the tenants seen. */
    public record Listing(Latency pages, double totalSeconds, long tenants) {}

    public static Listing list(CairnClient client, String query, int limit) throws Exception {
        Histogram pages = Latency.histogram();
        long tenants = 0;
        String cursor = null;
        long start = System.nanoTime();
        do {
            long t = System.nanoTime();
            JsonNode page = client.get("/v1/tenants?" + query + "&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor));
            Latency.record(pages, System.nanoTime() - t);
            tenants += page.path("tenants").size();
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
        } while (cursor != null);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Listing(Latency.of(pages, seconds), seconds, tenants);
    }

    private static TenantState state(String tenant, long i) {
        return TenantState.newBuilder().setMigrations(java.util.List.of()).setTenant(tenant).setTier(Tier.HOT).setPartition(0).setAppliedOffset(1 + i)
                .setSchemaVersion(0).setSizeBytes(4096).setCreatedAtMs(1_700_000_000_000L).setLastWriteMs(1_700_000_000_000L + i)
                .setKeys(List.of(ApiKey.newBuilder().setKeyId("k" + i).setSecretSha256("ab".repeat(32)).setScopes(List.of("read", "write"))
                        .setCreatedAtMs(1_700_000_000_000L).setRevoked(false).build()))
                .setLatestSnapshot(null).setWrites(new WriteUsage(0L, 0L, List.of())).build();
    }
}
