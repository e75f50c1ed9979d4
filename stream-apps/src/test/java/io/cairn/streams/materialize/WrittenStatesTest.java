package io.cairn.streams.materialize;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.WriteUsage;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which buffered changes are written at the next flush and which wait for the counters' interval. */
class WrittenStatesTest {
    private static final TopicPartition P0 = new TopicPartition("cairn.tenant-state", 0);
    private final WrittenStates written = new WrittenStates();

    @Test
    void aTenantNotWrittenYetIsUrgent() {
        assertThat(written.urgent(change(state("acme", 1)))).isTrue();
    }

    @Test
    void countersAloneWaitOnceTheTenantIsWritten() {
        written.wrote(List.of(change(state("acme", 1))));
        TenantState busier = TenantState.newBuilder(state("acme", 90)).setSizeBytes(1 << 20).setLastWriteMs(99)
                .setWrites(new WriteUsage(89L, 890L, List.of())).build();
        assertThat(written.urgent(change(busier))).isFalse();
    }

    @Test
    void tierKeysSchemaSnapshotAndDeletionCannotWait() {
        written.wrote(List.of(change(state("acme", 1))));
        assertThat(written.urgent(change(TenantState.newBuilder(state("acme", 2)).setTier(Tier.COLD).build()))).isTrue();
        assertThat(written.urgent(change(TenantState.newBuilder(state("acme", 2)).setSchemaVersion(3).build()))).isTrue();
        assertThat(written.urgent(change(TenantState.newBuilder(state("acme", 2)).setLatestSnapshot("s3://x").build()))).isTrue();
        assertThat(written.urgent(change(TenantState.newBuilder(state("acme", 2)).setKeys(List.of(key("acme", true))).build()))).isTrue();
        assertThat(written.urgent(new PendingChanges.StateChange("acme", state("acme", 2), true))).isTrue();
    }

    @Test
    void aDeletedTenantIsForgotten() {
        written.wrote(List.of(change(state("acme", 1))));
        written.wrote(List.of(new PendingChanges.StateChange("acme", state("acme", 1), true)));
        assertThat(written.urgent(change(state("acme", 1)))).isTrue();
    }

    @Test
    void takingTheUrgentStatesLeavesTheRestAndTheOffsetsBuffered() {
        written.wrote(List.of(change(state("acme", 1))));
        PendingChanges pending = new PendingChanges();
        pending.state("acme", state("acme", 5), P0, 5);
        pending.state("beta", state("beta", 6), P0, 6);

        assertThat(pending.allStates(written::urgent)).isFalse();
        assertThat(pending.takeStates(written::urgent)).extracting(PendingChanges.StateChange::tenant).containsExactly("beta");
        assertThat(pending.states()).extracting(PendingChanges.StateChange::tenant).containsExactly("acme");
        assertThat(pending.nextOffsets()).containsEntry(P0, 7L);
    }

    private static PendingChanges.StateChange change(TenantState s) {
        return new PendingChanges.StateChange(s.getTenant(), s, false);
    }

    private static ApiKey key(String tenant, boolean revoked) {
        return ApiKey.newBuilder().setKeyId("k-" + tenant).setSecretSha256("ab".repeat(32)).setScopes(List.of("read"))
                .setCreatedAtMs(1).setRevoked(revoked).build();
    }

    private static TenantState state(String tenant, long offset) {
        return TenantState.newBuilder().setMigrations(List.of()).setTenant(tenant).setTier(Tier.HOT).setPartition(0).setAppliedOffset(offset)
                .setSchemaVersion(0).setSizeBytes(4096).setCreatedAtMs(1).setLastWriteMs(1).setKeys(List.of(key(tenant, false)))
                .setLatestSnapshot(null).setWrites(new WriteUsage(0L, 0L, List.of())).build();
    }
}
