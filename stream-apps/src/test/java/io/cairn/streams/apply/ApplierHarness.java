package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * An applier without a broker: Kafka Streams' TopologyTestDriver over real SQLite files in a temp dir.
 * {@link #startApplier} again over the same directory is a restart before any Kafka offset commit:
 * the same records arrive again at the same offsets.
 */
abstract class ApplierHarness {
    @TempDir Path hot;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    final List<AutoCloseable> open = new ArrayList<>();
    /** What the applier tells an edge in its process of each outcome it publishes. */
    final LocalOutcomes local = new LocalOutcomes();
    TopologyTestDriver driver;
    TestInputTopic<String, TenantCommand> log;
    TestOutputTopic<String, CommandResult> results;
    TestOutputTopic<String, TenantState> states;
    TestOutputTopic<String, DeadLetter> deadLetters;
    TenantDatabasePool pool;
    HeavyLane lane;
    /** Everything put on the log since the harness began, by offset (the driver numbers partition 0 from 0). */
    final List<TenantCommand> piped = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    /** A fresh applier process over the same hot directory: offsets start again at 0, as after a crash before any Kafka commit. */
    /** The lane's regular workers (two by default: a tenant is still applied by one at a time); set before starting. */
    int laneThreads = 2;

    void startApplier(int maxOpen) {
        startApplier(maxOpen, null);
    }

    /** As {@link #startApplier(int)}, healing missing or damaged files with {@code rebuilder} (null: no healing). */
    void startApplier(int maxOpen, TenantRecovery.Rebuilder rebuilder) {
        startApplier(maxOpen, rebuilder, null);
    }

    /**
     * As {@link #startApplier(int, TenantRecovery.Rebuilder)}, with tiers: Frozen records make tenants
     * cold, and they thaw from their snapshot in {@code snapshots} plus the piped records of their tail.
     */
    void startApplier(int maxOpen, TenantRecovery.Rebuilder rebuilder, io.cairn.connectors.snapshot.SnapshotStore snapshots) {
        ApplierConfig config = new ApplierConfig(hot, "test", ApplierConfig.Role.PRIMARY, 1, maxOpen, 1000, 1000, SqliteLimits.WRITE_DEFAULTS);
        pool = new TenantDatabasePool(new TenantFiles(hot), config.limits(), maxOpen).watchingForLostRegistry(); // as Applier.start
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put("processing.exception.handler.global.enabled", true);
        props.put(StreamsConfig.STATE_DIR_CONFIG, hot.resolve("state-" + open.size()).toString());
        TenantRecovery recovery;
        if (snapshots != null) {
            SnapshotSeeds seeds = new SnapshotSeeds(snapshots, pool, registry);
            ColdTenants.Thawer thawer = new SnapshotThawer(seeds, new LogReplay(java.util.Map.of(), config), null);
            recovery = new TenantRecovery(pool, rebuilder, new ColdTenants(pool, thawer, registry), null, registry);
        } else {
            recovery = rebuilder == null ? TenantRecovery.NONE : new TenantRecovery(pool, rebuilder, registry);
        }
        ApplierMetrics metrics = new ApplierMetrics(registry);
        piped.clear(); // a new driver numbers the log from 0 again
        lane = new HeavyLane(pool, config.maxResultRows(), config.keys(), recovery, metrics, b -> piped.get((int) b.offset()), laneThreads);
        lane.start();
        open.add(lane);
        driver = new TopologyTestDriver(ApplierTopology.build(config, pool, metrics, recovery, lane, SnapshotRequests.IGNORED, fetchedForever(), local), props);
        open.add(driver);
        open.add(pool);
        log = driver.createInputTopic(TopicCatalog.TENANT_LOG, new StringSerializer(), Serdes.COMMAND.serializer());
        results = driver.createOutputTopic(TopicCatalog.TENANT_RESULTS, new StringDeserializer(), Serdes.RESULT.deserializer());
        states = driver.createOutputTopic(TopicCatalog.TENANT_STATE, new StringDeserializer(), Serdes.STATE.deserializer());
        deadLetters = driver.createOutputTopic(TopicCatalog.DEAD_LETTERS, new StringDeserializer(), Serdes.DEAD_LETTER.deserializer());
    }

    /**
     * The test driver has no consumer: its ends say more is always fetched, so a group commits at the
     * punctuation the harness advances to (its age), as a busy partition's does.
     */
    private static io.cairn.streams.kafka.PollEnds fetchedForever() {
        io.cairn.streams.kafka.PollEnds ends = new io.cairn.streams.kafka.PollEnds();
        for (int p = 0; p < 64; p++) ends.fetchedUpTo(TopicCatalog.TENANT_LOG, p, Long.MAX_VALUE);
        return ends;
    }

    List<CommandResult> apply(TenantCommand... commands) {
        pipe(commands);
        driver.advanceWallClockTime(Duration.ofMillis(5));
        return results.readValuesToList();
    }

    /**
     * Puts {@code commands} on the log and waits until each has its outcome (records the heavy lane runs
     * answer later than the others); returns them in the order of {@code commands}.
     */
    List<CommandResult> applyAll(TenantCommand... commands) {
        pipe(commands);
        java.util.Map<String, CommandResult> byId = new java.util.HashMap<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(5));
            for (CommandResult r : results.readValuesToList()) byId.put(r.getCommandId(), r);
            return java.util.Arrays.stream(commands).allMatch(c -> byId.containsKey(c.getCommandId()));
        });
        return java.util.Arrays.stream(commands).map(c -> byId.get(c.getCommandId())).toList();
    }

    /** Puts {@code commands} on the log (each applied as it arrives, committed at the next punctuation). */
    void pipe(TenantCommand... commands) {
        for (TenantCommand c : commands) {
            piped.add(c);
            log.pipeInput(c.getTenant(), c);
        }
    }

    List<List<Object>> query(String tenant, String sql) throws SQLException {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, new TenantFiles(hot).database(tenant), SqliteLimits.READ_DEFAULTS);
             ResultSet rs = c.connection().createStatement().executeQuery(sql)) {
            return rows(rs);
        }
    }

    /** Every row of {@code rs}, each as its columns' values. */
    static List<List<Object>> rows(ResultSet rs) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) row.add(rs.getObject(i));
            rows.add(row);
        }
        return rows;
    }
}
