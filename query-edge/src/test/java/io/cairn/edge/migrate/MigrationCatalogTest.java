package io.cairn.edge.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.RunControl;
import io.cairn.topics.avro.RunStarted;
import io.cairn.topics.avro.VersionRegistered;
import io.cairn.topics.avro.WaveSent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationCatalogTest {
    private static final List<MigrationEvent> IN_LOG_ORDER = List.of(
            version(1, "a", "r1"), version(2, "b", "r2"), run("run-1", 2), wave("run-1", 0, 2), version(3, "c", "r3"),
            control("run-1", "pause"), version(3, "other", "r3-raced"), version(4, "d", "r4"));

    @Test
    void logOrderGivesGapFreeVersionsWhereTheFirstRegistrationWins() {
        MigrationCatalog catalog = read(IN_LOG_ORDER);

        assertThat(catalog.versions("app")).extracting(MigrationCatalog.Version::checksum).containsExactly("a", "b", "c", "d");
        assertThat(catalog.version("app", 3).orElseThrow().requestId()).isEqualTo("r3");
        assertThat(catalog.progress("run-1").orElseThrow()).isEqualTo(new MigrationCatalog.Progress(2, MigrationCatalog.Phase.PAUSED, ""));
    }

    @Test
    void eventsReadInAnotherOrderAcrossPartitionsGiveTheSameCatalog() {
        // Written to several partitions (before every event went to one), they come back in no fixed order across them.
        List<MigrationEvent> shuffled = new ArrayList<>(List.of(version(4, "d", "r4"), version(3, "c", "r3"), control("run-1", "pause"),
                wave("run-1", 0, 2), version(2, "b", "r2"), run("run-1", 2), version(1, "a", "r1")));

        MigrationCatalog catalog = read(shuffled);

        assertThat(catalog.latest("app")).isEqualTo(4);
        assertThat(catalog.versions("app")).extracting(MigrationCatalog.Version::checksum).containsExactly("a", "b", "c", "d");
        assertThat(catalog.progress("run-1").orElseThrow()).isEqualTo(new MigrationCatalog.Progress(2, MigrationCatalog.Phase.PAUSED, ""));
    }

    @Test
    void aReplacementTakesTheLatestVersionsPlaceOnlyWhileItHasTheChecksumItReplaces() {
        MigrationCatalog catalog = read(List.of(version(1, "a", "r1"), version(2, "b", "r2"), replacing(2, "b2", "b", "x1"),
                replacing(2, "b3", "b", "x2-raced"), replacing(1, "a2", "a", "x3-not-latest")));

        assertThat(catalog.versions("app")).extracting(MigrationCatalog.Version::checksum).containsExactly("a", "b2");
        assertThat(catalog.version("app", 2).orElseThrow().requestId()).isEqualTo("x1");
    }

    @Test
    void aReplacementWhoseVersionCompactionRemovedRegistersAsTheVersion() {
        // b, then b2 replacing it, then b again replacing b2: compaction keeps one record per key, so the first b is gone.
        MigrationCatalog catalog = read(List.of(version(1, "a", "r1"), replacing(2, "b2", "b", "x1"), replacing(2, "b", "b2", "x2")));

        assertThat(catalog.versions("app")).extracting(MigrationCatalog.Version::checksum).containsExactly("a", "b");
    }

    private static MigrationEvent replacing(int n, String checksum, String replaces, String requestId) {
        MigrationEvent e = version(n, checksum, requestId);
        ((VersionRegistered) e.getPayload()).setReplaces(replaces);
        return e;
    }

    @Test
    void aVersionWhosePredecessorNeverCameStaysUnseen() {
        MigrationCatalog catalog = read(List.of(version(1, "a", "r1"), version(3, "c", "r3")));

        assertThat(catalog.latest("app")).isEqualTo(1);
        assertThat(catalog.version("app", 3)).isEmpty();
    }

    @Test
    void aRunStoppedBeforeItsWaveReachedATenantDoesNotWaitOnIt() {
        List<MigrationEvent> events = new ArrayList<>(List.of(version(1, "a", "r1"), version(2, "b", "r2"), run("run-1", 2), wave("run-1", 0, 2)));
        MigrationCatalog running = read(events);
        assertThat(running.pendingFor(state("t3"))).as("a running run may be sending t3's wave now").isTrue();

        events.add(control("run-1", "abort"));
        MigrationCatalog aborted = read(events);
        assertThat(aborted.pendingFor(state("t1"))).as("sent, not applied yet").isTrue();
        assertThat(aborted.pendingFor(state("t3"))).as("never sent: its snapshot is its content").isFalse();
    }

    /**
     * A tenant past the run's record that went cold since, with a record of another set in its cold tail, was counted
     * waiting for its thaw: the run, settled, said not complete until the tenant thawed.
     */
    @Test
    void aTenantPastItsRecordIsNotWaitedOnWhenItGoesCold() {
        MigrationCatalog catalog = read(List.of(version(1, "a", "r1"), version(2, "b", "r2"), run("run-1", 2), wave("run-1", 0, 2)));
        io.cairn.edge.directory.TenantDirectory directory = new io.cairn.edge.directory.TenantDirectory();
        io.cairn.topics.avro.TenantState past = state("t1");
        past.setAppliedOffset(7L); // its record was at 5
        past.setTier(io.cairn.topics.avro.Tier.COLD);
        past.setMigrations(List.of(io.cairn.topics.avro.SetVersion.newBuilder().setSet("app").setVersion(1).setRunId("run-0").build()));
        directory.apply("t1", past);
        io.cairn.topics.avro.TenantState behind = state("t2");
        behind.setAppliedOffset(3L); // its record, at 9, waits in its cold tail
        behind.setTier(io.cairn.topics.avro.Tier.COLD);
        directory.apply("t2", behind);

        RunStatus status = RunStatus.of(catalog.run("run-1").orElseThrow(), 2, catalog, directory, 10);
        assertThat(status.reverted()).as("t1: applied its record, below the target now").isEqualTo(1);
        assertThat(status.waitingForCold()).as("t2 only").isEqualTo(1);
        // A read of t1 waits for nothing of the run (outside probe: a restored or failed cold tenant was thawed by every read).
        assertThat(catalog.pendingFor(past)).isFalse();
        assertThat(catalog.pendingFor(behind)).isTrue();
    }

    /**
     * A tenant whose record of run-1 failed and that a later run then reached (retrying an earlier target, failing
     * again) was counted {@code reverted} in run-1: as if run-1 had applied there and a restore undone it.
     */
    @Test
    void aTenantALaterRunReachedIsSupersededNotReverted() {
        List<MigrationEvent> events = new ArrayList<>(List.of(version(1, "a", "r1"), version(2, "b", "r2"), run("run-1", 2), wave("run-1", 0, 2)));
        events.add(event("start-run-2", RunStarted.newBuilder().setRunId("run-2").setSet("app").setTargetVersion(1)
                .setTenants(List.of("t2", "t1")).build()));
        events.add(event("wave-run-2", WaveSent.newBuilder().setRunId("run-2").setFrom(0).setTo(2).setOffsets(List.of(12L, 11L)).build()));
        MigrationCatalog catalog = read(events);
        io.cairn.edge.directory.TenantDirectory directory = new io.cairn.edge.directory.TenantDirectory();
        io.cairn.topics.avro.TenantState reached = state("t1");
        reached.setAppliedOffset(11L); // run-1's record at 5 failed; run-2's at 11 applied version 1
        reached.setMigrations(List.of(io.cairn.topics.avro.SetVersion.newBuilder().setSet("app").setVersion(1).setRunId("run-2").build()));
        directory.apply("t1", reached);
        io.cairn.topics.avro.TenantState restored = state("t2");
        restored.setAppliedOffset(13L); // put back to content from before run-1's record at 9, by run-0
        restored.setMigrations(List.of(io.cairn.topics.avro.SetVersion.newBuilder().setSet("app").setVersion(1).setRunId("run-0").build()));
        directory.apply("t2", restored);

        RunStatus status = RunStatus.of(catalog.run("run-1").orElseThrow(), 2, catalog, directory, 10);
        assertThat(status.superseded()).as("t1").isEqualTo(1);
        assertThat(status.reverted()).as("t2").isEqualTo(1);
        assertThat(catalog.recordOffset("run-2", "t1")).isEqualTo(11L);
        assertThat(catalog.recordOffset("run-2", "t3")).isEqualTo(-1L);
    }

    private static io.cairn.topics.avro.TenantState state(String tenant) {
        io.cairn.topics.avro.TenantState s = io.cairn.edge.TestStates.state(tenant, 0, 1, List.of());
        s.setCreatedAtMs(0L); // before the run started
        return s;
    }

    private static MigrationCatalog read(List<MigrationEvent> events) {
        MigrationCatalog catalog = new MigrationCatalog();
        for (int i = 0; i < events.size(); i++) catalog.accept(0, i, events.get(i));
        return catalog;
    }

    private static MigrationEvent version(int n, String checksum, String requestId) {
        return event(requestId, VersionRegistered.newBuilder().setSet("app").setVersion(n).setChecksum(checksum)
                .setStatements(List.of("CREATE TABLE t" + n + " (a)")).build());
    }

    private static MigrationEvent run(String id, int target) {
        return event("start-" + id, RunStarted.newBuilder().setRunId(id).setSet("app").setTargetVersion(target)
                .setTenants(List.of("t1", "t2", "t3")).build());
    }

    private static MigrationEvent wave(String id, int from, int to) {
        return event("wave-" + id + "-" + to, WaveSent.newBuilder().setRunId(id).setFrom(from).setTo(to).setOffsets(List.of(5L, 9L)).build());
    }

    private static MigrationEvent control(String id, String action) {
        return event(action + "-" + id, RunControl.newBuilder().setRunId(id).setAction(action).build());
    }

    private static MigrationEvent event(String requestId, Object payload) {
        return MigrationEvent.newBuilder().setRequestId(requestId).setAtMs(1_000).setPayload(payload).build();
    }
}
