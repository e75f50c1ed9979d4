package io.cairn.connectors.metadata;

import io.cairn.topics.TenantId;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.WriteUsage;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * A tenant's metadata as stored: the fields of {@link TenantState} plus when it was last read or
 * written ({@code lastAccessMs}), which drives the idle-tenant query.
 *
 * @param appliedOffset  offset of the last record applied; orders states of one tenant
 * @param latestSnapshot key of the newest snapshot, or null
 * @param writes         what its applied writes did, as of {@code appliedOffset}
 */
public record TenantRecord(String tenant, Tier tier, int partition, long appliedOffset, int schemaVersion,
        long sizeBytes, long createdAtMs, long lastWriteMs, List<ApiKeyRecord> keys, String latestSnapshot,
        long lastAccessMs, WriteCounts writes) {

    /** A record without write counts (none known). */
    public TenantRecord(String tenant, Tier tier, int partition, long appliedOffset, int schemaVersion, long sizeBytes,
            long createdAtMs, long lastWriteMs, List<ApiKeyRecord> keys, String latestSnapshot, long lastAccessMs) {
        this(tenant, tier, partition, appliedOffset, schemaVersion, sizeBytes, createdAtMs, lastWriteMs, keys, latestSnapshot,
                lastAccessMs, WriteCounts.NONE);
    }

    public TenantRecord {
        TenantId.require(tenant);
        Objects.requireNonNull(tier, "tier");
        if (appliedOffset < -1) throw new IllegalArgumentException("appliedOffset must be >= -1");
        keys = List.copyOf(keys);
        Objects.requireNonNull(writes, "writes");
        for (ApiKeyRecord key : keys) {
            if (!key.tenant().equals(tenant)) throw new IllegalArgumentException("key " + key.keyId() + " belongs to another tenant");
        }
    }

    /** The stored form of a state from {@code cairn.tenant-state}. */
    public static TenantRecord from(TenantState state, long lastAccessMs) {
        List<ApiKeyRecord> keys = state.getKeys().stream().map(k -> ApiKeyRecord.from(state.getTenant(), k)).toList();
        WriteUsage w = state.getWrites();
        WriteCounts writes = new WriteCounts(state.getCreatedOffset(), w.getStatements(), w.getRowsWritten(), w.getDays().stream()
                .map(d -> new WriteCounts.Day(LocalDate.ofEpochDay(d.getDay()), d.getStatements(), d.getRowsWritten())).toList());
        return new TenantRecord(state.getTenant(), state.getTier(), state.getPartition(), state.getAppliedOffset(),
                state.getSchemaVersion(), state.getSizeBytes(), state.getCreatedAtMs(), state.getLastWriteMs(), keys,
                state.getLatestSnapshot(), lastAccessMs, writes);
    }

    public TenantRecord withLastAccessMs(long ms) {
        return new TenantRecord(tenant, tier, partition, appliedOffset, schemaVersion, sizeBytes, createdAtMs,
                lastWriteMs, keys, latestSnapshot, ms, writes);
    }
}
