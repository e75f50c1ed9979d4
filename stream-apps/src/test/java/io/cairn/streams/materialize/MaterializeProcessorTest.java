package io.cairn.streams.materialize;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.connectors.metadata.InMemoryMetadataStore;
import io.cairn.connectors.metadata.TenantQuery;
import io.cairn.connectors.metadata.UsageCounts;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.DayWrites;
import io.cairn.topics.avro.TenantAccess;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.WriteUsage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The materializer's topology without a broker, writing to the in-memory metadata store. */
class MaterializeProcessorTest {
    private static final long DAY_MS = 86_400_000L;
    private static final long T0 = 20_000 * DAY_MS;

    @TempDir Path dir;
    private final InMemoryMetadataStore store = new InMemoryMetadataStore();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ConcurrentHashMap<TopicPartition, Long> flushed = new ConcurrentHashMap<>();
    private MetadataWriter writer;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> states;
    private TestInputTopic<String, byte[]> access;

    @BeforeEach
    void start() {
        writer = new MetadataWriter(store, 4, Duration.ofSeconds(5), new MaterializerMetrics(registry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test-materializer");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        driver = new TopologyTestDriver(MaterializerTopology.build(writer, new MaterializerMetrics(registry), Duration.ofMillis(100), flushed), props);
        states = driver.createInputTopic(TopicCatalog.TENANT_STATE, new StringSerializer(), new ByteArraySerializer());
        access = driver.createInputTopic(TopicCatalog.TENANT_ACCESS, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void stop() {
        driver.close();
        writer.close();
    }

    @Test
    void theNewestStateOfEachTenantIsWritten() {
        states.pipeInput("acme", Serdes.STATE.encode(state("acme", 1, 2)));
        states.pipeInput("acme", Serdes.STATE.encode(state("acme", 5, 7)));
        states.pipeInput("beta", Serdes.STATE.encode(state("beta", 2, 1)));

        driver.advanceWallClockTime(Duration.ofMillis(150));

        assertThat(store.get("acme").orElseThrow().appliedOffset()).isEqualTo(5);
        assertThat(store.get("acme").orElseThrow().writes().statements()).isEqualTo(7);
        assertThat(store.get("beta")).isPresent();
        assertThat(store.getKey("k-acme")).isPresent();
        assertThat(flushed).containsEntry(new TopicPartition(TopicCatalog.TENANT_STATE, 0), 3L);
    }

    @Test
    void aTombstoneDeletesTheTenantAndItsKeys() {
        states.pipeInput("acme", Serdes.STATE.encode(state("acme", 1, 0)));
        driver.advanceWallClockTime(Duration.ofMillis(150));
        states.pipeInput("acme", (byte[]) null);
        driver.advanceWallClockTime(Duration.ofMillis(150));

        assertThat(store.get("acme")).isEmpty();
        assertThat(store.getKey("k-acme")).isEmpty();
    }

    @Test
    void accessReportsCountOnceAndMoveLastAccessForward() {
        states.pipeInput("acme", Serdes.STATE.encode(state("acme", 1, 0)));
        TenantAccess first = report("acme", 1, T0 + 10_000, 3);
        access.pipeInput("acme", Serdes.ACCESS.encode(first));
        access.pipeInput("acme", Serdes.ACCESS.encode(first)); // a producer retry
        access.pipeInput("acme", Serdes.ACCESS.encode(report("acme", 2, T0 + 20_000, 4)));
        driver.advanceWallClockTime(Duration.ofMillis(150));

        var usage = store.usage("acme", LIFE, LocalDate.ofEpochDay(20_000), LocalDate.ofEpochDay(20_000));
        assertThat(usage.totals().reads()).isEqualTo(7);
        assertThat(usage.totals().bytesOut()).isEqualTo(700);
        assertThat(store.get("acme").orElseThrow().lastAccessMs()).isEqualTo(T0 + 19_999);
    }

    @Test
    void anUndecodableRecordIsSkippedAndTheRestGoOn() {
        states.pipeInput("acme", new byte[] {1, 2, 3});
        states.pipeInput("beta", Serdes.STATE.encode(state("beta", 1, 0)));
        driver.advanceWallClockTime(Duration.ofMillis(150));

        assertThat(store.listTenants(TenantQuery.ALL, 10, null).tenants()).extracting(r -> r.tenant()).containsExactly("beta");
        assertThat(registry.get("cairn.materializer.undecodable").counter().count()).isEqualTo(1);
        assertThat(flushed).containsEntry(new TopicPartition(TopicCatalog.TENANT_STATE, 0), 2L);
    }

    @Test
    void writeCountsReachTheDaysTheyBelongTo() {
        states.pipeInput("acme", Serdes.STATE.encode(state("acme", 9, 5)));
        driver.advanceWallClockTime(Duration.ofMillis(150));

        var usage = store.usage("acme", LIFE, LocalDate.ofEpochDay(19_999), LocalDate.ofEpochDay(20_000));
        assertThat(usage.totals()).isEqualTo(UsageCounts.ZERO.withWrites(5, 50));
        assertThat(usage.days()).hasSize(1);
        assertThat(usage.days().getFirst().day()).isEqualTo(LocalDate.ofEpochDay(20_000));
    }

    private static TenantState state(String tenant, long offset, long statements) {
        return TenantState.newBuilder().setMigrations(java.util.List.of()).setTenant(tenant).setTier(Tier.HOT).setPartition(0).setAppliedOffset(offset)
                .setSchemaVersion(0).setSizeBytes(4096).setCreatedAtMs(T0).setLastWriteMs(T0).setCreatedOffset(LIFE)
                .setKeys(List.of(ApiKey.newBuilder().setKeyId("k-" + tenant).setSecretSha256("ab".repeat(32))
                        .setScopes(List.of("read")).setCreatedAtMs(T0).setRevoked(false).build()))
                .setLatestSnapshot(null)
                .setWrites(new WriteUsage(statements, statements * 10,
                        statements == 0 ? List.of() : List.of(new DayWrites(20_000, statements, statements * 10))))
                .build();
    }

    /** The creation offset of the tenants of these tests: usage is kept per life of a tenant. */
    private static final long LIFE = 0;

    private static TenantAccess report(String tenant, long seq, long windowEnd, long reads) {
        return TenantAccess.newBuilder().setTenant(tenant).setSource("edge-1").setSeq(seq).setWindowEndMs(windowEnd)
                .setLastAccessMs(windowEnd - 1).setReads(reads).setWrites(0).setRowsRead(reads).setBytesIn(10 * reads)
                .setBytesOut(100 * reads).setLife(LIFE).build();
    }
}
