package io.cairn.edge.write;

import io.cairn.edge.json.StatementSpec;
import io.cairn.topics.avro.ApplyMigration;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Freeze;
import io.cairn.topics.avro.IssueKey;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.RepairTenant;
import io.cairn.topics.avro.RevokeKey;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.RestoreFrom;
import io.cairn.topics.avro.TakeSnapshot;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.Thaw;
import io.cairn.topics.seal.StripedRandom;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the commands the edge appends. Each is stamped here with a fresh command id, the ingress time
 * (the only clock its SQL will see) and a seed for {@code random()}: the applier and every replica
 * re-execute the record, so these must be fixed at ingress, never at apply.
 */
public final class Commands {
    private Commands() {}

    public static TenantCommand createTenant(String tenant, KeySpec initialKey) {
        return stamp(tenant, null, new CreateTenant(null, initialKey, null, List.of()));
    }

    /**
     * A creation from a template: the tenant starts at the last of {@code versions} (the set's versions
     * 1..n), created in this one record.
     */
    public static TenantCommand createTenant(String tenant, KeySpec initialKey, String set, List<MigrationVersion> versions) {
        return stamp(tenant, null, new CreateTenant(set, initialKey, null, versions));
    }

    public static TenantCommand deleteTenant(String tenant) {
        return stamp(tenant, null, new DeleteTenant());
    }

    public static TenantCommand issueKey(String tenant, KeySpec key) {
        return stamp(tenant, null, new IssueKey(key));
    }

    public static TenantCommand revokeKey(String tenant, String keyId) {
        return stamp(tenant, null, new RevokeKey(keyId));
    }

    /** Asks the applier to check the tenant's file again and rebuild it if it is damaged or missing. */
    public static TenantCommand repair(String tenant, String reason) {
        return stamp(tenant, null, new RepairTenant(reason));
    }

    /** Asks the applier to snapshot the tenant into the snapshot store ({@code reason}: who asked). */
    public static TenantCommand takeSnapshot(String tenant, String reason) {
        return stamp(tenant, null, new TakeSnapshot(reason));
    }

    /** Asks the applier to make the tenant cold (snapshot, verify, remove the hot file). */
    public static TenantCommand freeze(String tenant) {
        return stamp(tenant, null, new Freeze());
    }

    /** Brings the tenant's schema of {@code set} up to {@code target}; {@code versions} are the set's versions 1..target. */
    public static TenantCommand applyMigration(String tenant, String runId, String set, int target,
            List<MigrationVersion> versions) {
        return applyMigration(tenant, runId, set, target, versions, false);
    }

    /** As above; {@code dryRun}: the applier rolls the versions back whatever happens and only answers. */
    public static TenantCommand applyMigration(String tenant, String runId, String set, int target,
            List<MigrationVersion> versions, boolean dryRun) {
        return stamp(tenant, null, ApplyMigration.newBuilder().setMigrationId(runId).setVersion(target)
                .setSteps(List.of()).setSet(set).setVersions(versions).setDryRun(dryRun).build());
    }

    /**
     * Replaces the tenant's content with what {@code source} (null: the tenant itself) held right after the
     * record at {@code atOffset} of {@code sourcePartition} (null: the tenant's own partition); {@code atTimeMs}
     * is the time asked for, when asked by time (informational).
     */
    public static TenantCommand restore(String tenant, String source, Integer sourcePartition, long atOffset, Long atTimeMs) {
        return stamp(tenant, null, RestoreFrom.newBuilder().setSourceTenant(source).setSourcePartition(sourcePartition)
                .setAtOffset(atOffset).setAtTimeMs(atTimeMs).build());
    }

    /** Replaces the tenant's content with the imported file {@code id} of the snapshot store (its SHA-256 and size as stored). */
    public static TenantCommand importContent(String tenant, String id, String sha256, long sizeBytes) {
        return stamp(tenant, null, RestoreFrom.newBuilder().setImportKey(id).setImportSha256(sha256).setImportSizeBytes(sizeBytes).build());
    }

    /** Asks the applier to bring a cold tenant's file back (a read of a cold tenant sends it). */
    public static TenantCommand rotateDataKey(String tenant, String keyId) {
        return stamp(tenant, null, new io.cairn.topics.avro.RotateDataKey(keyId));
    }

    public static TenantCommand thaw(String tenant) {
        return stamp(tenant, null, new Thaw());
    }

    /** An execute batch; the SQL goes in as the client wrote it (the applier checks and rewrites it again). */
    public static TenantCommand execute(String tenant, List<StatementSpec> statements, String idempotencyKey) {
        return execute(tenant, statements, idempotencyKey, null);
    }

    /** As above, applied only if no write of the tenant was applied after {@code ifUnchangedSince} (null: always). */
    public static TenantCommand execute(String tenant, List<StatementSpec> statements, String idempotencyKey, Long ifUnchangedSince) {
        List<Statement> out = new ArrayList<>(statements.size());
        for (StatementSpec s : statements) {
            List<Object> positional = new ArrayList<>(s.positional().size());
            for (Object v : s.positional()) positional.add(toAvro(v));
            Map<String, Object> named = new LinkedHashMap<>();
            s.named().forEach((k, v) -> named.put(k, toAvro(v)));
            out.add(new Statement(s.sql(), positional, named));
        }
        return stamp(tenant, idempotencyKey, new ExecuteBatch(out, ifUnchangedSince));
    }

    private static Object toAvro(Object value) {
        return value instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : value;
    }

    private static TenantCommand stamp(String tenant, String idempotencyKey, Object payload) {
        return TenantCommand.newBuilder()
                .setCommandId(StripedRandom.uuid().toString())
                .setTenant(tenant)
                .setIngressTimeMs(System.currentTimeMillis())
                .setSeed(StripedRandom.nextLong())
                .setIdempotencyKey(idempotencyKey)
                .setPayload(payload)
                .build();
    }
}
