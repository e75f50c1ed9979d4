package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Client retries with an Idempotency-Key apply once and return the first outcome, across restarts too. */
class IdempotencyKeysTest extends ApplierHarness {

    private void setUpTable() {
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)"));
    }

    private static TenantCommand keyed(String key, String sql) {
        return Commands.retry(Commands.execute("acme", sql), key, 0);
    }

    @Test
    void retryWithSameKeyReturnsFirstOutcomeAndAppliesNothing() throws Exception {
        startApplier(8);
        setUpTable();
        TenantCommand first = keyed("k-1", "INSERT INTO t (v) VALUES ('x')");
        CommandResult r1 = apply(first).getFirst();
        CommandResult r2 = apply(Commands.retry(first, "k-1", 60_000)).getFirst();
        assertThat(r1.getIdempotentReplay()).isFalse();
        assertThat(r2.getIdempotentReplay()).isTrue();
        assertThat(r2.getOk()).isTrue();
        assertThat(r2.getResults()).isEqualTo(r1.getResults());
        assertThat(query("acme", "SELECT count(*) FROM t")).containsExactly(List.of(1));
    }

    @Test
    void retryAfterApplierRestartStillAppliesNothing() throws Exception {
        startApplier(8);
        setUpTable();
        TenantCommand first = keyed("k-restart", "INSERT INTO t (v) VALUES ('x')");
        apply(first);
        startApplier(8);
        apply(Commands.create("other")); // move this fresh applier's offsets past the history
        // The fresh driver restarts offsets at 0; pad them so the retry lands after everything applied.
        for (int i = 0; i < 4; i++) apply(Commands.execute("other", "SELECT 1"));
        CommandResult again = apply(Commands.retry(first, "k-restart", 1_000)).getFirst();
        assertThat(again.getIdempotentReplay()).isTrue();
        assertThat(query("acme", "SELECT count(*) FROM t")).containsExactly(List.of(1));
    }

    @Test
    void redeliveredKeyedWritesEmitTheOutcomeTheyHad() throws Exception {
        startApplier(8);
        TenantCommand create = Commands.create("acme");
        TenantCommand table = Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)");
        TenantCommand first = keyed("k-crash", "INSERT INTO t (v) VALUES ('x') RETURNING id, v");
        TenantCommand retried = Commands.retry(first, "k-crash", 5);
        TenantCommand failing = keyed("k-bad", "INSERT INTO nope VALUES (1)");
        List<CommandResult> before = apply(create, table, first, retried, failing);

        startApplier(8); // the applier stopped after committing them, before their outcomes reached Kafka: all come again
        List<CommandResult> again = apply(create, table, first, retried, failing);
        assertThat(again).extracting(CommandResult::getCommandId)
                .containsExactly(table.getCommandId(), first.getCommandId(), retried.getCommandId(), failing.getCommandId());
        assertThat(again.get(1)).usingRecursiveComparison().ignoringFields("applied_time_ms").isEqualTo(before.get(2));
        assertThat(again.get(2).getIdempotentReplay()).isTrue();
        assertThat(again.get(2).getResults()).isEqualTo(before.get(2).getResults());
        assertThat(again.get(3).getError()).isEqualTo(before.get(4).getError());
        assertThat(query("acme", "SELECT count(*) FROM t")).containsExactly(List.of(1));
    }

    @Test
    void failedFirstOutcomeIsReturnedAgainOnRetry() {
        startApplier(8);
        setUpTable();
        TenantCommand first = keyed("k-fail", "INSERT INTO nope VALUES (1)");
        CommandResult r1 = apply(first).getFirst();
        CommandResult r2 = apply(Commands.retry(first, "k-fail", 10)).getFirst();
        assertThat(r1.getOk()).isFalse();
        assertThat(r2.getIdempotentReplay()).isTrue();
        assertThat(r2.getError()).isEqualTo(r1.getError());
    }

    @Test
    void sameKeyWithDifferentStatementsIsRefused() throws Exception {
        startApplier(8);
        setUpTable();
        apply(keyed("k-reuse", "INSERT INTO t (v) VALUES ('x')"));
        CommandResult other = apply(keyed("k-reuse", "INSERT INTO t (v) VALUES ('y')")).getFirst();
        assertThat(other.getError().getCode()).isEqualTo("idempotency_key_reused");
        assertThat(query("acme", "SELECT v FROM t")).containsExactly(List.of("x"));
    }

    @Test
    void keyIsForgottenAfterTheWindow() throws Exception {
        startApplier(8);
        setUpTable();
        TenantCommand first = keyed("k-old", "INSERT INTO t (v) VALUES ('x')");
        apply(first);
        long later = IdempotencyKeys.WINDOW.plus(Duration.ofMinutes(1)).toMillis();
        CommandResult late = apply(Commands.retry(first, "k-old", later)).getFirst();
        assertThat(late.getIdempotentReplay()).isFalse();
        assertThat(query("acme", "SELECT count(*) FROM t")).containsExactly(List.of(2));
    }
}
