package io.cairn.streams.apply;

import static io.cairn.streams.apply.Commands.create;
import static io.cairn.streams.apply.Commands.execute;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.CommandResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A tenant's file is checked ({@code quick_check}) the first time this instance uses it, unless this
 * instance made the whole file itself: reopening a file it created checks nothing again.
 */
class TenantRecoveryTest extends ApplierHarness {
    private final AtomicInteger rebuilds = new AtomicInteger();
    private final TenantRecovery.Rebuilder countingRebuilder = (tenant, partition, end, scratch) -> rebuilds.incrementAndGet();

    @Test
    void aFileThisInstanceCreatedIsNotCheckedWhenItIsOpenedAgain() {
        startApplier(1, countingRebuilder); // one open file: each tenant's record closes the other's
        assertOk(applyAll(create("a"), create("b"), execute("a", "CREATE TABLE t (x)"), execute("b", "CREATE TABLE t (x)"),
                execute("a", "INSERT INTO t VALUES (1)"), execute("b", "INSERT INTO t VALUES (1)")));

        assertThat(checks()).isZero();
        assertThat(rebuilds.get()).isZero();
    }

    @Test
    void aFileAnEarlierInstanceMadeIsCheckedOnceOnItsFirstUse() {
        startApplier(1, countingRebuilder);
        assertOk(applyAll(create("a"), execute("a", "CREATE TABLE t (x)")));

        startApplier(1, countingRebuilder); // a restart before any Kafka commit: the records arrive again, and this instance made no file
        double before = checks();
        pipe(create("a"), execute("a", "CREATE TABLE t (x)")); // applied before: skipped, nothing to answer
        assertOk(applyAll(execute("a", "INSERT INTO t VALUES (1)"), create("b"), execute("a", "INSERT INTO t VALUES (2)")));

        assertThat(checks() - before).as("checked before its first record here, not when it is opened again").isEqualTo(1);
        assertThat(rebuilds.get()).isZero();
    }

    private double checks() {
        return registry.find("cairn.applier.file.checks").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static void assertOk(List<CommandResult> results) {
        assertThat(results).allSatisfy(r -> assertThat(r.getOk()).as(String.valueOf(r.getError())).isTrue());
    }
}
