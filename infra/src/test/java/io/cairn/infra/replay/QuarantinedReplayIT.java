package io.cairn.infra.replay;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.TenantCommand;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A replay (rebuilds, restores, as-of reads, thaws) skips every record the live applier quarantined, as
 * listed on {@code cairn.dead-letters}, and only those: with the topic empty every record is applied; with
 * a dead letter naming one record of each of two tenants, those records are left out of the rebuilt files
 * and the rest are applied. Real broker, real files. And a replay's consumer warns of nothing (the client
 * warns of every offset it is told for a partition it does not hold: one line per partition per replay).
 */
class QuarantinedReplayIT {
    @TempDir Path data;

    @Test
    void aReplaySkipsExactlyTheRecordsTheDeadLettersName() throws Exception {
        Logger consumerLogs = (Logger) LoggerFactory.getLogger("org.apache.kafka.clients.consumer");
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        consumerLogs.addAppender(warnings);
        try (LogFixture log = LogFixture.start(data.resolve("kafka"))) {
            List<TenantCommand> commands = new ArrayList<>();
            for (String tenant : List.of("kept", "other")) {
                commands.add(command(tenant, 0, new CreateTenant(null, new KeySpec("k-" + tenant, "00".repeat(32), List.of("read", "write")), null, List.of())));
                commands.add(command(tenant, 1, batch("CREATE TABLE t (n INTEGER)")));
                for (int n = 1; n <= 3; n++) commands.add(command(tenant, 1 + n, batch("INSERT INTO t VALUES (" + n + ")")));
            }
            List<RecordMetadata> at = log.produce(commands);
            RecordMetadata keptTwo = at.get(3);
            RecordMetadata otherTwo = at.get(8);

            assertThat(rowsAfterReplay(log, "before", "kept")).as("no dead letters: every record applied").containsExactly(1L, 2L, 3L);

            try (KafkaProducer<String, DeadLetter> producer = new KafkaProducer<>(log.clientProps(), new StringSerializer(), Serdes.DEAD_LETTER.serializer())) {
                producer.send(new ProducerRecord<>(TopicCatalog.DEAD_LETTERS, "kept", deadLetter("kept", keptTwo))).get();
                producer.send(new ProducerRecord<>(TopicCatalog.DEAD_LETTERS, "other", deadLetter("other", otherTwo))).get();
            }
            assertThat(rowsAfterReplay(log, "after", "kept")).as("the quarantined insert left out, the rest applied").containsExactly(1L, 3L);
            assertThat(rowsAfterReplay(log, "after-other", "other")).as("the other tenant's quarantined record left out too")
                    .containsExactly(1L, 3L);
        } finally {
            consumerLogs.detachAppender(warnings);
        }
        assertThat(warnings.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).map(ILoggingEvent::getFormattedMessage))
                .as("the replays' consumer warned").isEmpty();
    }

    private List<Long> rowsAfterReplay(LogFixture log, String name, String tenant) throws Exception {
        Path target = data.resolve(name);
        new LogReplay(log.clientProps(), ApplierConfig.primary(target)).replayAll(tenant::equals, p -> { });
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, new TenantFiles(target).database(tenant), SqliteLimits.READ_DEFAULTS);
             ResultSet rs = c.connection().createStatement().executeQuery("SELECT n FROM t ORDER BY n")) {
            List<Long> rows = new ArrayList<>();
            while (rs.next()) rows.add(rs.getLong(1));
            return rows;
        }
    }

    private static DeadLetter deadLetter(String tenant, RecordMetadata at) {
        return DeadLetter.newBuilder().setTenant(tenant).setPartition(at.partition()).setOffset(at.offset()).setCommandId("c-" + tenant + "-3")
                .setReason("quarantined for this test").setAttempts(3).setQuarantinedAtMs(0L).build();
    }

    private static ExecuteBatch batch(String sql) {
        return new ExecuteBatch(List.of(new Statement(sql, List.of(), Map.of())), null);
    }

    private static TenantCommand command(String tenant, int n, Object payload) {
        return TenantCommand.newBuilder().setCommandId("c-" + tenant + "-" + n).setTenant(tenant).setIngressTimeMs(1_000L + n)
                .setSeed(n).setIdempotencyKey(null).setPayload(payload).build();
    }
}
