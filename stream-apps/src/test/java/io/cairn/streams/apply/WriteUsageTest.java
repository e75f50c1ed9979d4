package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.DayWrites;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.WriteUsage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What applied writes did is counted once, per day of their ingress time, and published with the tenant's state. */
class WriteUsageTest extends ApplierHarness {
    private static final long DAY = 86_400_000L;
    private static final int DAY0 = (int) (Commands.T0 / DAY);

    @Test
    void appliedWritesAreCountedPerDayAndFailedOnesAreNot() {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY)",
                "INSERT INTO t VALUES (1), (2)", "INSERT INTO t VALUES (3)"));
        apply(Commands.execute("acme", "INSERT INTO t VALUES (1)")); // fails: not counted
        apply(at(Commands.execute("acme", "UPDATE t SET id = id + 10"), DAY));

        WriteUsage w = lastState().getWrites();
        assertThat(w.getStatements()).isEqualTo(4);
        assertThat(w.getRowsWritten()).isEqualTo(6);
        assertThat(w.getDays()).containsExactly(day(DAY0, 3, 3), day(DAY0 + 1, 1, 3));
    }

    @Test
    void onlyTheLastTwoDaysWithWritesAreCarried() {
        startApplier(8);
        apply(Commands.create("acme"), Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY)"));
        assertThat(apply(at(Commands.execute("acme", "INSERT INTO t VALUES (1)"), 3 * DAY))).allMatch(r -> r.getOk(), "applied");
        assertThat(apply(at(Commands.execute("acme", "INSERT INTO t VALUES (2)"), 7 * DAY))).allMatch(r -> r.getOk(), "applied");

        WriteUsage w = lastState().getWrites();
        assertThat(w.getStatements()).isEqualTo(3);
        assertThat(w.getDays()).containsExactly(day(DAY0 + 3, 1, 1), day(DAY0 + 7, 1, 1));
    }

    @Test
    void redeliveredRecordsAreNotCountedTwice() {
        startApplier(8);
        TenantCommand create = Commands.create("acme");
        TenantCommand write = Commands.execute("acme", "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)");
        apply(create, write);
        startApplier(8); // a crash before Kafka committed: both records arrive again at the same offsets
        apply(create, write, Commands.execute("acme", "INSERT INTO t VALUES (2)"));

        WriteUsage w = lastState().getWrites();
        assertThat(w.getStatements()).isEqualTo(3);
        assertThat(w.getRowsWritten()).isEqualTo(2);
    }

    private TenantState lastState() {
        List<TenantState> all = states.readValuesToList();
        assertThat(all).isNotEmpty();
        return all.getLast();
    }

    private static TenantCommand at(TenantCommand c, long laterMillis) {
        return TenantCommand.newBuilder(c).setIngressTimeMs(c.getIngressTimeMs() + laterMillis).build();
    }

    private static DayWrites day(int day, long statements, long rows) {
        return DayWrites.newBuilder().setDay(day).setStatements(statements).setRowsWritten(rows).build();
    }
}
