package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.streams.apply.HeavyLaneQueues.Queued;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.ApplyMigration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The heavy lane's line: a tenant stands in it at most once, and never while a worker holds its turn. */
class HeavyLaneQueuesTest {
    private final HeavyLaneQueues line = new HeavyLaneQueues();

    @Test
    void aRecordArrivingWhileAWorkerHoldsItsTenantWaitsForTheTurnToBeGivenBack() throws Exception {
        enqueue("acme", 1);
        List<Queued> first = line.awaitTurns(64, () -> false);
        assertThat(first).extracting(Queued::position).containsExactly(new Bookmark(0, 1));
        line.finish(first.getFirst(), false);
        assertThat(line.owns("acme")).as("its queue is empty").isFalse();

        enqueue("acme", 2); // the worker still holds acme's turn
        enqueue("bob", 3);
        assertThat(line.awaitTurns(64, () -> false)).as("acme's turn is still held").extracting(Queued::tenant).containsExactly("bob");

        line.giveTurnsBack(Set.of("acme"));
        assertThat(line.awaitTurns(64, () -> false)).as("one turn, not two").extracting(Queued::position).containsExactly(new Bookmark(0, 2));
    }

    @Test
    void aTenantTheMachineFailedIsPassedOverUntilItsRetryTime() throws Exception {
        enqueue("acme", 1);
        enqueue("bob", 2);
        List<Queued> both = line.awaitTurns(64, () -> false);
        assertThat(both).extracting(Queued::tenant).containsExactly("acme", "bob");
        line.retryLater(both.get(0));
        line.finish(both.get(1), true);
        enqueue("bob", 3);
        assertThat(line.awaitTurns(64, () -> false)).as("acme waits out its backoff").extracting(Queued::tenant).containsExactly("bob");
        assertThat(line.awaitTurns(64, () -> false)).as("then its turn comes").extracting(Queued::position).containsExactly(new Bookmark(0, 1));
    }

    @Test
    void aRecordWaitingForRoomIsLookedAtAgainSoonWhateverBackoffItsFailuresBuilt() throws Exception {
        enqueue("acme", 1);
        Queued held = line.awaitTurns(64, () -> false).getFirst();
        for (int failed = 0; failed < 6; failed++) { // 50 ms doubling, 3.15 s in all: its next try would be 3.2 s away
            line.retryLater(held);
            held = line.awaitTurns(64, () -> false).getFirst();
        }
        long before = System.nanoTime();
        line.lookForRoomLater(held);
        assertThat(line.awaitTurns(64, () -> false)).extracting(Queued::position).containsExactly(new Bookmark(0, 1));
        long waited = System.nanoTime() - before;
        assertThat(waited).as("not before the look's pause").isGreaterThanOrEqualTo(HeavyLaneQueues.ROOM_LOOK_MILLIS * 1_000_000L);
        assertThat(waited).as("before the 3.2 s its backoff had reached").isLessThan(3_200_000_000L);
    }

    @Test
    void turnsHeldWhenTheLaneFaultedAreGivenBackAfterAPause() throws Exception {
        enqueue("acme", 1);
        List<Queued> held = line.awaitTurns(64, () -> false);
        long before = System.nanoTime();
        line.giveBackAfterFault(Set.of("acme"), 100);
        assertThat(line.awaitTurns(64, () -> false)).extracting(Queued::position).containsExactly(held.getFirst().position());
        assertThat(System.nanoTime() - before).as("not before the pause").isGreaterThanOrEqualTo(100_000_000L);
    }

    @Test
    void aClosedLaneTakesNoTurn() throws Exception {
        enqueue("acme", 1);
        assertThat(line.awaitTurns(64, () -> true)).isEmpty();
    }

    /**
     * A fleet run queues thousands of tenants at once: a write sent to the lane behind them gets the next group's first
     * place, not the run's end (the bench's 10,000-tenant run: another tenant's write answered write_timeout after 30 s),
     * and the run's tenants fill the rest of that group.
     */
    @Test
    void aWriteQueuedBehindAFleetRunGetsItsTurnFirstAndTheRunFillsTheRestOfTheGroup() throws Exception {
        for (int i = 1; i <= 200; i++) migrate("fleet-" + i, i);
        enqueue("writer", 201);
        List<Queued> group = line.awaitTurns(64, () -> false);
        assertThat(group).hasSize(64);
        assertThat(group.getFirst().tenant()).isEqualTo("writer");
        assertThat(group.subList(1, 64)).extracting(Queued::tenant).allMatch(t -> t.startsWith("fleet-"));
        assertThat(group.get(1).tenant()).as("the run keeps its order").isEqualTo("fleet-1");
    }

    /**
     * A tenant with a backlog of writes in the lane gets room for them (its run, up to 7/8 of the group) before the run's
     * tenants fill the rest: one write per group, behind 63 migrations each, drained 200 writes a second far too slowly.
     */
    @Test
    void aTenantsBacklogGetsHalfTheGroupBeforeTheRunFillsTheRest() throws Exception {
        for (int i = 1; i <= 200; i++) migrate("fleet-" + i, i);
        for (int i = 0; i < 100; i++) enqueue("writer", 1_000 + i);
        List<Queued> heads = line.awaitTurns(64, () -> false);
        assertThat(heads.getFirst().position()).isEqualTo(new Bookmark(0, 1_000));
        assertThat(heads).as("the writer's head, then 8 of the run's: 55 places stay for the writer's run").hasSize(9);
    }

    /** However many tenants wait in the first line, the run's tenants get an eighth of each group: a run goes on under any load. */
    @Test
    void theRunsTenantsKeepAnEighthOfEachGroupWhileManyOthersWait() throws Exception {
        for (int i = 1; i <= 100; i++) migrate("fleet-" + i, i);
        for (int i = 0; i < 100; i++) enqueue("busy-" + i, 1_000 + i);
        List<Queued> group = line.awaitTurns(64, () -> false);
        assertThat(group).hasSize(64);
        assertThat(group.subList(0, 56)).extracting(Queued::tenant).allMatch(t -> t.startsWith("busy-"));
        assertThat(group.subList(56, 64)).extracting(Queued::tenant).allMatch(t -> t.startsWith("fleet-"));
    }

    /** A run's tenant that gets a write behind its migration moves to the first line: the write waits on the migration. */
    @Test
    void aFleetTenantWithAWriteBehindItsMigrationIsServedWithTheWrites() throws Exception {
        for (int i = 1; i <= 100; i++) migrate("fleet-" + i, i);
        enqueue("fleet-100", 101);
        assertThat(line.awaitTurns(1, () -> false)).extracting(Queued::position).containsExactly(new Bookmark(0, 100));
        assertThat(line.awaitTurns(1, () -> false)).as("then the run, in order").extracting(Queued::tenant).containsExactly("fleet-1");
    }

    /** A tenant whose write the lane applied stands in the run's line again when only migrations of it are left. */
    @Test
    void aTenantWithOnlyMigrationsLeftGoesBackToTheRunsLine() throws Exception {
        enqueue("acme", 1);
        migrate("acme", 2);
        migrate("bob", 3);
        enqueue("carol", 4);
        Queued acme = line.awaitTurns(1, () -> false).getFirst();
        assertThat(acme.position()).isEqualTo(new Bookmark(0, 1));
        line.finish(acme, true);
        assertThat(line.awaitTurns(64, () -> false)).as("carol's write first; acme's migration after bob's, queued before it in the run's line")
                .extracting(Queued::tenant).containsExactly("carol", "bob", "acme");
    }

    private void migrate(String tenant, long offset) {
        ApplyMigration m = ApplyMigration.newBuilder().setMigrationId("run-1").setVersion(1).setSteps(List.of()).setSet("app")
                .setVersions(List.of()).build();
        line.enqueue(new ApplyProcessor.LogRecord(Commands.command(tenant, m), new Bookmark(0, offset)));
    }

    private void enqueue(String tenant, long offset) {
        line.enqueue(new ApplyProcessor.LogRecord(Commands.execute(tenant, "INSERT INTO t VALUES (" + offset + ")"), new Bookmark(0, offset)));
    }

    /**
     * A record the thaw holds recorded, handed to the lane, keeps its row until the lane applied it, whichever stream
     * thread's commit recorded the lane's queue first: the row was cleared by the holds' next commit after another
     * thread's had found the row there, and a crash before the lane applied the record lost it (a restore of a cold
     * tenant, killed while it was built, never applied: {@code TierKillIT}). The registry is the real one.
     */
    @Test
    void aRecordHandedOverByTheThawHoldsKeepsItsRowUntilTheLaneAppliedIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Bookmark restore = new Bookmark(3, 44);
        try (TenantRegistry registry = TenantRegistry.open(dir.resolve("registry.db"), () -> false)) {
            registry.deferredChanges(java.util.Map.of(restore, "acme"), List.of()); // the holds' commit, while the thaw ran
            line.enqueue(new ApplyProcessor.LogRecord(Commands.execute("acme", "SELECT 1"), restore)); // released: it goes to the lane
            java.util.Map<Bookmark, String> otherThreads = line.unpersisted(); // another stream thread's commit hook begins
            boolean adopted = line.adopt(restore); // the holds hand the row over
            registry.deferredChanges(otherThreads, List.of());
            List<Bookmark> cleared = line.persisted(otherThreads.keySet());

            assertThat(adopted).isTrue();
            assertThat(cleared).as("not applied yet: its row stays").isEmpty();
            assertThat(registry.deferredOf(3)).as("a crash now fetches it again").containsExactly(restore);

            Queued taken = line.awaitTurns(64, () -> false).getFirst();
            assertThat(line.finish(taken, true)).as("applied: the lane clears the row it adopted").isTrue();
        }
    }
}
