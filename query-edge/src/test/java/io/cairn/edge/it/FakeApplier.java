package io.cairn.edge.it;

import io.cairn.connectors.sqlite.TenantConnection;
import io.cairn.connectors.sqlite.TenantFiles;
import io.cairn.edge.TestStates;
import io.cairn.edge.read.SqliteFixture;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.CommandError;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.IssueKey;
import io.cairn.topics.avro.RevokeKey;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.StatementResult;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plays the applier's part of the protocol for the edge's ITs: applies each command to a real SQLite
 * file (position in the same transaction), then publishes the outcome and the tenant's new state.
 * Deliberately simple (no group commit, no determinism): it tests the edge, not the applier.
 */
final class FakeApplier implements AutoCloseable {
    private final TenantFiles files;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, TenantConnection> open = new HashMap<>();
    private final Map<String, TenantState> states = new HashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    volatile boolean paused;

    FakeApplier(String bootstrap, TenantFiles files, int partitions) {
        this.files = files;
        this.consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "key.deserializer", StringDeserializer.class, "value.deserializer", ByteArrayDeserializer.class,
                "enable.auto.commit", false));
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 0,
                "key.serializer", StringSerializer.class, "value.serializer", ByteArraySerializer.class));
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(TopicCatalog.TENANT_LOG, p));
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        thread = Thread.ofPlatform().daemon().name("fake-applier").start(this::run);
    }

    private void run() {
        try {
            while (!closed.get()) {
                if (paused) {
                    Thread.sleep(20);
                    continue;
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    apply(Serdes.COMMAND.decode(r.value()), r.partition(), r.offset());
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException | InterruptedException e) {
            // closing
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            consumer.close();
        }
    }

    private void apply(TenantCommand c, int partition, long offset) throws SQLException {
        String t = c.getTenant();
        TenantState st = states.get(t);
        List<StatementResult> results = new ArrayList<>();
        CommandError error = null;
        Object payload = c.getPayload();
        if (payload instanceof CreateTenant create) {
            if (st != null) {
                error = new CommandError("tenant_exists", "the tenant already exists", null);
            } else {
                open.put(t, SqliteFixture.create(files, t, partition, offset));
                ApiKey k = TestStates.key(create.getInitialKey().getKeyId(), create.getInitialKey().getSecretSha256(),
                        create.getInitialKey().getScopes(), false);
                st = TestStates.state(t, partition, offset, List.of(k));
            }
        } else if (st == null) {
            error = new CommandError("tenant_not_found", "no such tenant", null);
        } else if (payload instanceof ExecuteBatch batch) {
            error = execute(open.get(t), batch, results, partition, offset);
            st = withOffset(st, offset, st.getKeys());
        } else if (payload instanceof IssueKey issue) {
            List<ApiKey> keys = new ArrayList<>(st.getKeys());
            keys.add(TestStates.key(issue.getKey().getKeyId(), issue.getKey().getSecretSha256(), issue.getKey().getScopes(), false));
            st = withOffset(st, offset, keys);
        } else if (payload instanceof RevokeKey revoke) {
            List<ApiKey> keys = new ArrayList<>();
            for (ApiKey k : st.getKeys()) {
                keys.add(k.getKeyId().equals(revoke.getKeyId())
                        ? TestStates.key(k.getKeyId(), k.getSecretSha256(), k.getScopes(), true) : k);
            }
            st = withOffset(st, offset, keys);
        } else if (payload instanceof DeleteTenant) {
            open.remove(t).close();
            files.delete(t, offset);
            st = null;
        }
        if (error == null) {
            if (st == null) states.remove(t);
            else states.put(t, st);
            producer.send(new ProducerRecord<>(TopicCatalog.TENANT_STATE, t, Serdes.STATE.encode(st)));
        }
        CommandResult result = CommandResult.newBuilder().setCommandId(c.getCommandId()).setTenant(t)
                .setPartition(partition).setOffset(offset).setOk(error == null).setError(error)
                .setResults(error == null ? results : List.of()).setAppliedTimeMs(System.currentTimeMillis()).build();
        producer.send(new ProducerRecord<>(TopicCatalog.TENANT_RESULTS, t, Serdes.RESULT.encode(result)));
        producer.flush();
    }

    private static TenantState withOffset(TenantState st, long offset, List<ApiKey> keys) {
        return TestStates.state(st.getTenant(), st.getPartition(), offset, keys);
    }

    private static CommandError execute(TenantConnection tc, ExecuteBatch batch, List<StatementResult> results,
            int partition, long offset) throws SQLException {
        for (int i = 0; i < batch.getStatements().size(); i++) {
            Statement s = batch.getStatements().get(i);
            try (PreparedStatement ps = tc.connection().prepareStatement(s.getSql())) {
                for (int p = 0; p < s.getPositional().size(); p++) {
                    Object v = s.getPositional().get(p);
                    ps.setObject(p + 1, v instanceof ByteBuffer b ? b.array() : v);
                }
                int changes = ps.executeUpdate();
                long rowid;
                try (var st = tc.connection().createStatement(); var rs = st.executeQuery("SELECT last_insert_rowid()")) {
                    rowid = rs.next() ? rs.getLong(1) : 0;
                }
                results.add(new StatementResult((long) changes, rowid, List.of(), List.of()));
            } catch (SQLException e) {
                tc.connection().rollback();
                results.clear();
                SqliteFixture.apply(tc, partition, offset);
                return new CommandError("sql_error", e.getMessage(), i);
            }
        }
        SqliteFixture.apply(tc, partition, offset);
        return null;
    }

    @Override
    public void close() throws Exception {
        closed.set(true);
        consumer.wakeup();
        thread.join(5_000);
        producer.close();
        for (TenantConnection c : open.values()) c.close();
    }
}
