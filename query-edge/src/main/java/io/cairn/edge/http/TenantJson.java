package io.cairn.edge.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.connectors.metadata.TenantRecord;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.SnapshotRef;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import java.time.Instant;
import java.util.Locale;

/**
 * The one JSON shape of a tenant's metadata, for {@code GET /v1/tenants/{t}} and every listing entry.
 * A listing entry's {@code last_snapshot} carries its {@code key} only (the control plane keeps no more).
 */
final class TenantJson {
    private TenantJson() {}

    /** From the edge's directory (as fresh as the edge), with the last access known to the caller (0: none). */
    static ObjectNode of(TenantState st, long lastAccessMs) {
        ObjectNode out = fill(Responses.object(), st.getTenant(), st.getTier(), st.getPartition(), st.getAppliedOffset(), st.getSizeBytes(),
                st.getCreatedAtMs(), st.getLastWriteMs(), lastAccessMs, st.getSchemaVersion(), snapshot(st.getPartition(), st.getSnapshot()));
        ObjectNode sets = out.putObject("migrations");
        for (SetVersion v : st.getMigrations()) {
            ObjectNode o = sets.putObject(v.getSet()).put("version", v.getVersion());
            if (v.getRunId() != null) o.put("run_id", v.getRunId());
            if (v.getFailedVersion() != null) {
                o.put("failed_version", v.getFailedVersion()).put("error_code", v.getErrorCode()).put("error", v.getError());
            }
        }
        return out;
    }

    private static ObjectNode snapshot(int partition, SnapshotRef ref) {
        if (ref == null) return null;
        ObjectNode out = Responses.object();
        out.put("bookmark", partition + ":" + ref.getOffset()).put("size_bytes", ref.getSizeBytes()).put("stored_bytes", ref.getStoredBytes())
                .put("sha256", ref.getSha256()).put("key", ref.getKey()).put("taken_at", Instant.ofEpochMilli(ref.getTakenAtMs()).toString());
        return out;
    }

    /** From the control plane's record. */
    static ObjectNode of(TenantRecord r) {
        return fill(Responses.object(), r.tenant(), r.tier(), r.partition(), r.appliedOffset(), r.sizeBytes(), r.createdAtMs(),
                r.lastWriteMs(), r.lastAccessMs(), r.schemaVersion(), r.latestSnapshot() == null ? null
                        : Responses.object().put("key", r.latestSnapshot()));
    }

    private static ObjectNode fill(ObjectNode out, String tenant, Tier tier, int partition, long offset, long size, long createdMs,
            long lastWriteMs, long lastAccessMs, int schemaVersion, ObjectNode snapshot) {
        out.put("tenant", tenant)
                .put("tier", tier.name().toLowerCase(Locale.ROOT))
                .put("bookmark", partition + ":" + offset)
                .put("size_bytes", size)
                .put("schema_version", schemaVersion)
                .put("created_at", Instant.ofEpochMilli(createdMs).toString())
                .put("last_write_at", Instant.ofEpochMilli(lastWriteMs).toString());
        if (lastAccessMs > 0) out.put("last_access_at", Instant.ofEpochMilli(lastAccessMs).toString());
        else out.putNull("last_access_at");
        if (snapshot != null) out.set("last_snapshot", snapshot);
        else out.putNull("last_snapshot");
        return out;
    }
}
