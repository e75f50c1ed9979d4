package io.cairn.edge;

import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.WriteUsage;
import java.util.List;

/** Builds {@link TenantState}s the way the applier publishes them. */
public final class TestStates {
    private TestStates() {}

    public static TenantState state(String tenant, int partition, long appliedOffset, List<ApiKey> keys) {
        return TenantState.newBuilder().setMigrations(java.util.List.of()).setTenant(tenant).setTier(Tier.HOT).setPartition(partition)
                .setAppliedOffset(appliedOffset).setSizeBytes(8192).setCreatedAtMs(1_700_000_000_000L)
                .setLastWriteMs(1_700_000_000_000L).setKeys(keys).setWrites(new WriteUsage(0L, 0L, List.of())).build();
    }

    public static ApiKey key(String keyId, String sha, List<String> scopes, boolean revoked) {
        return ApiKey.newBuilder().setKeyId(keyId).setSecretSha256(sha).setScopes(scopes).setCreatedAtMs(1L)
                .setRevoked(revoked).build();
    }
}
