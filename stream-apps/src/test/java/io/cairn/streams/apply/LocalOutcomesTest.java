package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * An edge in the applier's process is told of each outcome the applier publishes, in the topic's order, and only once
 * the tenant's file holds the write: a read on another connection at that moment already sees it.
 */
class LocalOutcomesTest extends ApplierHarness {

    @Test
    void eachOutcomeIsToldInTheTopicsOrderOnceItsWriteIsCommitted() throws Exception {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n INTEGER)"));
        List<CommandResult> told = new CopyOnWriteArrayList<>();
        List<Long> rowsSeenWhenTold = new CopyOnWriteArrayList<>();
        local.tell(outcome -> {
            told.add(outcome);
            try {
                rowsSeenWhenTold.add(((Number) query("acme", "SELECT count(*) FROM t").getFirst().getFirst()).longValue());
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });

        List<TenantCommand> writes = new ArrayList<>();
        for (int i = 1; i <= 20; i++) writes.add(Commands.executeWith("acme", "INSERT INTO t VALUES (?)", (long) i));
        writes.add(Commands.execute("acme", "INSERT INTO nowhere VALUES (1)")); // fails: its outcome is told too
        List<CommandResult> published = applyAll(writes.toArray(TenantCommand[]::new));

        assertThat(told).extracting(CommandResult::getCommandId)
                .containsExactlyElementsOf(published.stream().map(CommandResult::getCommandId).toList());
        assertThat(told.getLast().getOk()).isFalse();
        for (int k = 0; k < 20; k++) {
            assertThat(rowsSeenWhenTold.get(k)).as("rows another connection saw when write %d was told", k + 1).isGreaterThanOrEqualTo(k + 1);
        }
    }

    @Test
    void aListenerThatFailsStopsNothing() throws Exception {
        startApplier(8);
        local.tell(outcome -> {
            throw new IllegalStateException("an edge's bug");
        });
        List<CommandResult> published = applyAll(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (n INTEGER)"),
                Commands.execute("acme", "INSERT INTO t VALUES (1)"));
        assertThat(published).allMatch(CommandResult::getOk);
        assertThat(query("acme", "SELECT n FROM t")).containsExactly(List.of(1));
    }
}
