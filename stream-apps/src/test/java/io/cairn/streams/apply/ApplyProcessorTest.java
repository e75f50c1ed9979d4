package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Serdes;
import io.cairn.topics.TopicCatalog;
import io.cairn.topics.avro.CommandResult;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The applier's guarantees without a broker: Kafka Streams' TopologyTestDriver and real SQLite files. */
class ApplyProcessorTest extends ApplierHarness {
    @Test
    void createdTenantAppliesBatchAndReportsPerStatementResults() throws Exception {
        startApplier(8);
        List<CommandResult> out = apply(
                Commands.create("acme"),
                Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
                        "INSERT INTO t (name) VALUES ('a')", "INSERT INTO t (name) VALUES ('b') RETURNING id, name"));
        assertThat(out).hasSize(2).allMatch(CommandResult::getOk);
        var batch = out.get(1).getResults();
        assertThat(batch.get(1).getChanges()).isEqualTo(1);
        assertThat(batch.get(1).getLastInsertRowid()).isEqualTo(1);
        assertThat(batch.get(2).getColumns()).containsExactly("id", "name");
        assertThat(batch.get(2).getRows()).containsExactly(List.of(2L, "b"));
        assertThat(query("acme", "SELECT name FROM t ORDER BY id")).containsExactly(List.of("a"), List.of("b"));
        TenantState state = states.readValuesToList().getLast();
        assertThat(state.getAppliedOffset()).isEqualTo(1);
        assertThat(state.getKeys()).hasSize(1);
    }

    @Test
    void failingStatementLeavesNothingOfItsBatch() throws Exception {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
        CommandResult failed = apply(Commands.execute("acme", "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)")).getFirst();
        assertThat(failed.getOk()).isFalse();
        assertThat(failed.getError().getCode()).isEqualTo("sql_error");
        assertThat(failed.getError().getMessage()).isEqualTo("UNIQUE constraint failed: t.id");
        assertThat(failed.getError().getStatement()).isEqualTo(1);
        assertThat(query("acme", "SELECT count(*) FROM t")).containsExactly(List.of(0));
        assertThat(query("acme", "SELECT log_offset FROM _cairn_applied")).containsExactly(List.of(2));
    }

    @Test
    void redeliveredRecordsAreAppliedOnceAndTheirWritesSayTheOutcomeIsLost() throws Exception {
        List<TenantCommand> history = List.of(
                Commands.create("acme"),
                Commands.execute("acme", "CREATE TABLE t (n INTEGER)"),
                Commands.execute("acme", "INSERT INTO t VALUES (1)"),
                Commands.execute("acme", "INSERT INTO t VALUES (2)"));
        startApplier(8);
        assertThat(applyAll(history.toArray(TenantCommand[]::new))).hasSize(4); // a slow first open may send the tenant to the lane for its share

        startApplier(8); // the same records again, at the same offsets, as after a crash
        // A client may still wait for a write's outcome: it hears at once that the write was applied and its outcome is
        // lost (it had no Idempotency-Key to keep it by); the create, not a write, emits nothing.
        List<CommandResult> again = apply(history.toArray(TenantCommand[]::new));
        assertThat(again).extracting(CommandResult::getCommandId)
                .containsExactly(history.get(1).getCommandId(), history.get(2).getCommandId(), history.get(3).getCommandId());
        assertThat(again).allSatisfy(r -> {
            assertThat(r.getOk()).isFalse();
            assertThat(r.getError().getCode()).isEqualTo("write_timeout");
            assertThat(r.getError().getMessage()).contains("applied").contains("lost");
        });
        assertThat(query("acme", "SELECT n FROM t ORDER BY n")).containsExactly(List.of(1), List.of(2));
        assertThat(apply(Commands.execute("acme", "INSERT INTO t VALUES (3)"))).singleElement()
                .satisfies(r -> assertThat(r.getOk()).isTrue());
    }

    @Test
    void deletedTenantStaysDeletedWhenOlderRecordsAreRedelivered() throws Exception {
        List<TenantCommand> history = List.of(
                Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n INTEGER)"), Commands.delete("acme"));
        startApplier(8);
        List<CommandResult> first = apply(history.toArray(TenantCommand[]::new));
        assertThat(first).extracting(CommandResult::getOk).containsExactly(true, true, true);
        assertThat(new TenantFiles(hot).exists("acme")).isFalse();
        List<KeyValue<String, TenantState>> stateRecords = states.readKeyValuesToList();
        assertThat(stateRecords.getLast().value).isNull(); // tombstone

        startApplier(8);
        assertThat(apply(history.toArray(TenantCommand[]::new))).isEmpty();
        assertThat(new TenantFiles(hot).exists("acme")).isFalse();

        CommandResult late = apply(Commands.execute("acme", "SELECT 1")).getFirst();
        assertThat(late.getError().getCode()).isEqualTo("tenant_not_found");
    }

    @Test
    void tenantCanBeCreatedAgainAfterDelete() throws Exception {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n INTEGER)"), Commands.delete("acme"));
        List<CommandResult> again = apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n INTEGER)"));
        assertThat(again).allMatch(CommandResult::getOk);
    }

    @Test
    void creatingAnExistingTenantFailsWithTenantExists() {
        startApplier(8);
        List<CommandResult> out = apply(Commands.create("acme"), Commands.create("acme"));
        assertThat(out.get(1).getError().getCode()).isEqualTo("tenant_exists");
    }

    @Test
    void revokedKeyIsPublishedAsRevoked() {
        startApplier(8);
        apply(Commands.create("acme"), Commands.issueKey("acme", "k1"));
        states.readValuesToList();
        assertThat(apply(Commands.revokeKey("acme", "k1"))).allMatch(CommandResult::getOk);
        TenantState state = states.readValuesToList().getLast();
        assertThat(state.getKeys()).filteredOn(k -> k.getKeyId().equals("k1")).singleElement()
                .satisfies(k -> assertThat(k.getRevoked()).isTrue());
        assertThat(apply(Commands.revokeKey("acme", "k1")).getFirst().getError().getCode()).isEqualTo("key_not_found");
    }

    /**
     * A write sent with a key that a revoke before it in the log revoked is refused, nothing of it applied: another
     * edge may take the key until the revoke is applied there (an outside probe saw four such writes applied).
     */
    @Test
    void aWriteSentWithAKeyRevokedBeforeItInTheLogIsRefused() throws Exception {
        startApplier(8);
        apply(Commands.create("acme"), Commands.issueKey("acme", "k1"), Commands.issueKey("acme", "k2"), Commands.execute("acme", "CREATE TABLE t (n)"));
        TenantCommand before = Commands.execute("acme", "INSERT INTO t VALUES (1)");
        before.setApiKeyId("k1");
        TenantCommand after = Commands.execute("acme", "INSERT INTO t VALUES (2)");
        after.setApiKeyId("k1");
        TenantCommand otherKey = Commands.execute("acme", "INSERT INTO t VALUES (3)");
        otherKey.setApiKeyId("k2");
        List<CommandResult> out = apply(before, Commands.revokeKey("acme", "k1"), after, otherKey, Commands.execute("acme", "INSERT INTO t VALUES (4)"));
        assertThat(out).extracting(CommandResult::getOk).containsExactly(true, true, false, true, true);
        assertThat(out.get(2).getError().getCode()).isEqualTo("unauthorized");
        assertThat(query("acme", "SELECT n FROM t ORDER BY n")).containsExactly(List.of(1), List.of(3), List.of(4));
    }

    @Test
    void openDatabasesStayWithinTheBound() {
        startApplier(4);
        for (int i = 0; i < 40; i++) {
            String t = "t" + i;
            apply(Commands.create(t), Commands.execute(t, "CREATE TABLE x (n INTEGER)"));
            assertThat(pool.openCount()).isLessThanOrEqualTo(4);
        }
        assertThat(new TenantFiles(hot).list()).hasSize(40);
    }

    @Test
    void writeToUnknownTenantFailsWithTenantNotFound() {
        startApplier(8);
        assertThat(apply(Commands.execute("ghost", "SELECT 1")).getFirst().getError().getCode()).isEqualTo("tenant_not_found");
        assertThat(new TenantFiles(hot).exists("ghost")).isFalse();
    }

    @Test
    void timeZoneDependentSqlFailsAsNondeterministic() {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (ts TEXT)"));
        CommandResult r = apply(Commands.execute("acme", "INSERT INTO t VALUES (datetime('now', 'localtime'))")).getFirst();
        assertThat(r.getError().getCode()).isEqualTo("nondeterministic");
        assertThat(r.getError().getMessage()).contains("localtime");
    }

    @Test
    void theLargestRowidIsRefusedSoNoCopyGivesRowsRandomRowids() throws Exception {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY, v)",
                "CREATE VIRTUAL TABLE r USING rtree(id, a, b)", "INSERT INTO t VALUES (5, 'a')"));
        for (String sql : List.of("INSERT INTO t VALUES (9223372036854775807, 'max')", "UPDATE t SET id = 9223372036854775807 WHERE id = 5",
                "INSERT INTO t SELECT 9223372036854775807, 'x' RETURNING id", "INSERT INTO r VALUES (9223372036854775807, 0, 1)")) {
            CommandResult r = apply(Commands.execute("acme", "INSERT INTO t VALUES (6, 'b')", sql)).getFirst();
            assertThat(r.getError().getCode()).as(sql).isEqualTo("nondeterministic");
            assertThat(r.getError().getStatement()).isEqualTo(1);
            assertThat(r.getError().getMessage()).contains("9223372036854775807");
        }
        apply(Commands.execute("acme", "INSERT INTO t (v) VALUES ('next')"));
        assertThat(query("acme", "SELECT id FROM t ORDER BY id")).as("nothing of the refused writes; the next rowid is max + 1, not random")
                .containsExactly(List.of(5), List.of(6));
    }

    @Test
    void writesToAVirtualTablesInternalTablesAreRefusedSoItsIndexStaysConsistent() throws Exception {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE VIRTUAL TABLE f USING fts5(body)", "INSERT INTO f VALUES ('hello')",
                "CREATE TABLE t (a)", "CREATE TRIGGER early AFTER INSERT ON t BEGIN DELETE FROM g_data; END"));
        for (String sql : List.of("UPDATE f_data SET block = x'ff' WHERE id = 10", "INSERT INTO \"F_DATA\" VALUES (99, x'00')",
                "DELETE FROM f_idx", "DROP TABLE f_content", "INSERT INTO 'f_data' VALUES (98, x'00')", "CREATE TRIGGER late AFTER INSERT ON t BEGIN DELETE FROM f_docsize; END",
                "CREATE VIRTUAL TABLE g USING fts5(x)")) {
            CommandResult r = apply(Commands.execute("acme", "INSERT INTO f VALUES ('kept?')", sql)).getFirst();
            assertThat(r.getError().getCode()).as(sql).isEqualTo("forbidden_statement");
            assertThat(r.getError().getStatement()).isEqualTo(1);
        }
        CommandResult spelled = apply(Commands.execute("acme", "CREATE TABLE notes (v)", "INSERT INTO notes VALUES ('f_data')")).getFirst();
        assertThat(spelled.getOk()).as("a value that spells an internal table's name is only a value").isTrue();
        apply(Commands.execute("acme", "INSERT INTO f(f) VALUES ('integrity-check')", "INSERT INTO f VALUES ('world')"));
        assertThat(query("acme", "SELECT body FROM f WHERE f MATCH 'hello OR world OR kept' ORDER BY rowid"))
                .as("the index answers, and nothing of the refused writes is in it").containsExactly(List.of("hello"), List.of("world"));
    }

    @Test
    void clockAndRandomSeeTheRecordNotTheMachine() throws Exception {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme",
                "CREATE TABLE t (a TEXT DEFAULT CURRENT_TIMESTAMP, b TEXT, r INTEGER)",
                "INSERT INTO t (b, r) VALUES (datetime('now'), random())"));
        List<List<Object>> first = query("acme", "SELECT a, b, r FROM t");
        assertThat(first.getFirst().get(0)).isEqualTo("2026-01-01 00:00:00");
        assertThat(first.getFirst().get(1)).isEqualTo("2026-01-01 00:00:00");

        hot = hot.resolve("copy");
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme",
                "CREATE TABLE t (a TEXT DEFAULT CURRENT_TIMESTAMP, b TEXT, r INTEGER)",
                "INSERT INTO t (b, r) VALUES (datetime('now'), random())"));
        assertThat(query("acme", "SELECT a, b, r FROM t")).isEqualTo(first);
    }

    @Test
    void lastInsertRowidDoesNotLeakFromTheRecordBefore() throws Exception {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY, prev INTEGER)"),
                Commands.execute("acme", "INSERT INTO t (prev) VALUES (0)"),
                Commands.execute("acme", "INSERT INTO t (prev) VALUES (last_insert_rowid())"));
        // A restarted applier has no "previous insert": every copy must see the same value, so it is reset per batch.
        assertThat(query("acme", "SELECT prev FROM t WHERE id = 2")).containsExactly(List.of(0));
    }

    @Test
    void failingFirstBatchOnAFreshConnectionDoesNotBreakTheNext() {
        startApplier(8);
        apply(Commands.create("acme"));
        startApplier(8); // a new connection: the first batch it runs fails
        apply(Commands.create("pad"));
        assertThat(apply(Commands.execute("acme", "INSERT INTO nope VALUES (1)")).getFirst().getOk()).isFalse();
        assertThat(apply(Commands.execute("acme", "CREATE TABLE t (n INTEGER)"), Commands.execute("acme", "INSERT INTO t VALUES (1)")))
                .allMatch(CommandResult::getOk);
    }

    @Test
    void committedWritesAreSyncedBeforeOffsetsAreCommitted() {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n INTEGER)"));
        // The driver commits offsets after each record, flushing the store first: the new file's WAL and
        // its directory were forced to disk on the way.
        assertThat(registry.counter("cairn.applier.durable.syncs").count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void quietTenantsHoldNoOpenFiles() {
        startApplier(64);
        long now = System.currentTimeMillis(); // records that came in just now: the applier is caught up
        apply(inAt(Commands.create("a"), now), inAt(Commands.create("b"), now));
        assertThat(pool.openCount()).isEqualTo(2);
        long later = System.nanoTime() + TenantDatabasePool.IDLE_CLOSE_AFTER.toNanos() + 1;
        assertThat(pool.closeIdle(later)).isEqualTo(2);
        assertThat(pool.openCount()).isZero();
        assertThat(apply(Commands.execute("a", "CREATE TABLE t (n INTEGER)"))).allMatch(CommandResult::getOk);
    }

    @Test
    void tenantsOfAPartitionSilentWhileBehindStayOpenUntilItLooksStalled() {
        startApplier(64);
        long longAgo = System.currentTimeMillis() - 60_000; // a backlog: records that came in a minute ago
        apply(inAt(Commands.create("a"), longAgo), inAt(Commands.create("b"), longAgo));
        long idle = TenantDatabasePool.IDLE_CLOSE_AFTER.toNanos();
        assertThat(pool.closeIdle(System.nanoTime() + idle + 1)).as("waiting its turn, not quiet").isZero();
        assertThat(pool.closeIdle(System.nanoTime() + idle * IdleClocks.STALLED + 1)).isEqualTo(2);
        assertThat(pool.openCount()).isZero();
    }

    private static TenantCommand inAt(TenantCommand c, long ingressMs) {
        return TenantCommand.newBuilder(c).setIngressTimeMs(ingressMs).build();
    }
}
