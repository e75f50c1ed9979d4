package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.TenantState;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * No tenant's record stops the applier or undoes another record: budgets, growth and result limits
 * fail the record alone (even when SQLite rolls the whole transaction back), Cairn's own SQL cannot be
 * shadowed, and a record that keeps failing is quarantined while everything else goes on.
 */
class TenantIsolationTest extends ApplierHarness {
    /** A write (so SQLite rolls the whole transaction back when it is interrupted) that never ends nor grows the file. */
    static final String RUNAWAY_INSERT = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c)"
            + " INSERT INTO t SELECT i FROM c WHERE i < 0";

    private void setUp(String... tenants) {
        startApplier(16);
        for (String t : tenants) {
            assertThat(apply(Commands.create(t), Commands.execute(t, "CREATE TABLE t (n)"))).allMatch(CommandResult::getOk);
        }
    }

    /** Pipes all of {@code commands} into one group (no punctuation in between), then waits for every outcome. */
    private List<CommandResult> oneGroup(io.cairn.topics.avro.TenantCommand... commands) {
        return applyAll(commands);
    }

    @Test
    void aWriteStoppedByItsBudgetFailsAloneAndTheTenantsEarlierWritesOfTheGroupStay() throws Exception {
        setUp("acme", "bob");
        List<CommandResult> out = oneGroup(
                Commands.execute("acme", "INSERT INTO t VALUES (1)"),
                Commands.execute("bob", "INSERT INTO t VALUES (1)"),
                Commands.execute("acme", RUNAWAY_INSERT),
                Commands.execute("acme", "INSERT INTO t VALUES (2)"));

        assertThat(out).extracting(CommandResult::getOk).containsExactly(true, true, false, true);
        assertThat(out.get(2).getError().getCode()).isEqualTo("statement_timeout");
        assertThat(query("acme", "SELECT n FROM t ORDER BY n")).containsExactly(List.of(1), List.of(2));
        assertThat(query("bob", "SELECT n FROM t")).containsExactly(List.of(1));
    }

    @Test
    void statementsOfOneWriteShareOneBudget() {
        setUp("acme");
        // Each statement alone is well within the budget; together they are not.
        String costly = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000000) SELECT count(*) FROM c";
        String[] many = Collections.nCopies(200, costly).toArray(String[]::new);
        assertThat(applyAll(Commands.execute("acme", costly))).singleElement().satisfies(r -> assertThat(r.getOk()).isTrue());

        CommandResult r = applyAll(Commands.execute("acme", many)).getFirst();

        assertThat(r.getError().getCode()).isEqualTo("statement_timeout");
        assertThat(r.getError().getStatement()).isGreaterThan(0);
    }

    @Test
    void aWriteThatWouldGrowTheFileTooMuchFailsAloneWithWriteTooLarge() throws Exception {
        setUp("acme");
        List<CommandResult> out = oneGroup(
                Commands.execute("acme", "INSERT INTO t VALUES (1)"),
                Commands.execute("acme", "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 6)"
                        + " INSERT INTO t SELECT zeroblob(16000000) FROM c"),
                Commands.execute("acme", "INSERT INTO t VALUES (2)"));

        assertThat(out).extracting(CommandResult::getOk).containsExactly(true, false, true);
        assertThat(out.get(1).getError().getCode()).isEqualTo("write_too_large");
        assertThat(query("acme", "SELECT n FROM t ORDER BY n")).containsExactly(List.of(1), List.of(2));
        assertThat(Files.size(new TenantFiles(hot).database("acme"))).isLessThan(70L << 20);
    }

    @Test
    void anAutoincrementCounterAtTheLargestIdIsToldAsThatNotAsAFullDatabase() throws Exception {
        setUp("acme");
        List<CommandResult> out = oneGroup(
                Commands.execute("acme", "CREATE TABLE s (id INTEGER PRIMARY KEY AUTOINCREMENT, v)"),
                Commands.execute("acme", "INSERT INTO sqlite_sequence (name, seq) VALUES ('s', 9223372036854775807)"),
                Commands.execute("acme", "INSERT INTO s (v) VALUES (1)"),
                Commands.execute("acme", "INSERT INTO t VALUES (1)"));

        assertThat(out).extracting(CommandResult::getOk).containsExactly(true, true, false, true);
        assertThat(out.get(2).getError().getCode()).isEqualTo("sql_error");
        assertThat(out.get(2).getError().getMessage()).contains("AUTOINCREMENT table s").contains("largest id");
        assertThat(query("acme", "SELECT count(*) FROM s")).containsExactly(List.of(0));
    }

    @Test
    void aWriteReturningTooMuchFailsWithResultTooLarge() {
        setUp("acme");
        CommandResult r = applyAll(Commands.execute("acme", "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3)"
                + " SELECT zeroblob(400000) FROM c")).getFirst();

        assertThat(r.getError().getCode()).isEqualTo("result_too_large");
    }

    @Test
    void cairnsBookkeepingIsNotShadowedByATenantObjectFromBeforeThePolicyRefusedIt() throws Exception {
        setUp("acme");
        // A file from a version whose policy let these names through: the objects are there.
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + new TenantFiles(hot).database("acme"));
             Statement s = raw.createStatement()) {
            s.execute("CREATE TABLE pragma_page_count (page_count)");
            s.execute("INSERT INTO pragma_page_count VALUES (-1)");
            s.execute("CREATE TABLE pragma_table_xinfo (x)");
        }
        states.readValuesToList();

        assertThat(apply(Commands.execute("acme", "INSERT INTO t VALUES (1)"))).allMatch(CommandResult::getOk);
        TenantState state = states.readValuesToList().getLast();
        long pages = ((Number) query("acme", "PRAGMA page_count").getFirst().getFirst()).longValue();
        assertThat(state.getSizeBytes()).isEqualTo(pages * 4096);
        assertThat(apply(Commands.execute("acme", "CREATE TABLE pragma_page_size (x)")).getFirst().getError().getCode())
                .isEqualTo("forbidden_statement");
    }

    @Test
    void aRecordThatKeepsFailingIsQuarantinedAndEveryOtherRecordApplies() throws Exception {
        AtomicInteger rebuilds = new AtomicInteger();
        startApplier(16, (tenant, partition, end, scratch) -> {
            rebuilds.incrementAndGet();
            throw new IllegalStateException("rebuild failed for a reason nobody foresaw");
        });
        for (String t : List.of("acme", "bob")) {
            assertThat(apply(Commands.create(t), Commands.execute(t, "CREATE TABLE t (n)"))).allMatch(CommandResult::getOk);
        }
        pool.close(); // let go of the files, then lose acme's: its next record needs a rebuild, which fails
        Files.delete(new TenantFiles(hot).database("acme"));

        // acme's rebuild runs in the heavy lane (tried there, then quarantined); bob's write goes on meanwhile
        List<CommandResult> out = applyAll(Commands.execute("acme", "INSERT INTO t VALUES (1)"), Commands.execute("bob", "INSERT INTO t VALUES (1)"));

        assertThat(out).filteredOn(r -> r.getTenant().equals("acme")).last()
                .satisfies(r -> assertThat(r.getError().getCode()).isEqualTo("internal"));
        assertThat(out).filteredOn(r -> r.getTenant().equals("bob")).singleElement().satisfies(r -> assertThat(r.getOk()).isTrue());
        assertThat(rebuilds).hasValue(FailureRecovery.QUARANTINE_AFTER);
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(d.getTenant()).isEqualTo("acme");
            assertThat(d.getReason()).contains("rebuild failed");
        });
        assertThat(registry.get("cairn.applier.quarantined").counter().count()).isEqualTo(1);
        assertThat(query("bob", "SELECT n FROM t")).containsExactly(List.of(1));
    }
}
