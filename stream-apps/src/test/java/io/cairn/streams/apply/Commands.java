package io.cairn.streams.apply;

import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.IssueKey;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.RevokeKey;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.TenantCommand;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Builds tenant-log commands for tests, with a fixed clock and seed so runs repeat exactly. */
final class Commands {
    static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    static {
        // Building a CreateTenant reads its Avro defaults, which Avro allows only for trusted classes: loading the
        // serdes trusts Cairn's (AvroSerde), whichever test builds a command first.
        io.cairn.topics.Serdes.COMMAND.getClass();
    }

    private Commands() {}

    static TenantCommand create(String tenant) {
        return command(tenant, CreateTenant.newBuilder().setTemplate(null).setInitialKey(key("k0" + tenant, "read", "write")).build());
    }

    /** A creation from template {@code set}, whose versions 1..n are {@code versions} (one statement list each). */
    static TenantCommand createFromTemplate(String tenant, String set, List<List<String>> versions) {
        List<MigrationVersion> v = new java.util.ArrayList<>();
        for (int i = 0; i < versions.size(); i++) {
            v.add(MigrationVersion.newBuilder().setVersion(i + 1).setChecksum(Integer.toHexString(versions.get(i).hashCode()))
                    .setStatements(versions.get(i)).build());
        }
        return command(tenant, CreateTenant.newBuilder().setTemplate(set).setInitialKey(key("k0" + tenant, "read", "write"))
                .setTemplateVersions(v).build());
    }

    /** A fleet run's record: set {@code set} to version {@code versions.size()}, whose versions 1..n are {@code versions}. */
    static TenantCommand migrate(String tenant, String runId, String set, List<List<String>> versions) {
        List<MigrationVersion> v = new java.util.ArrayList<>();
        for (int i = 0; i < versions.size(); i++) {
            v.add(MigrationVersion.newBuilder().setVersion(i + 1).setChecksum(Integer.toHexString(versions.get(i).hashCode()))
                    .setStatements(versions.get(i)).build());
        }
        return command(tenant, io.cairn.topics.avro.ApplyMigration.newBuilder().setMigrationId(runId).setSet(set)
                .setVersion(versions.size()).setSteps(List.of()).setVersions(v).build());
    }

    static TenantCommand execute(String tenant, String... sql) {
        List<Statement> statements = Arrays.stream(sql)
                .map(s -> Statement.newBuilder().setSql(s).setPositional(List.of()).setNamed(Map.of()).build())
                .toList();
        return command(tenant, ExecuteBatch.newBuilder().setStatements(statements).build());
    }

    static TenantCommand executeWith(String tenant, String sql, Object... params) {
        Statement st = Statement.newBuilder().setSql(sql).setPositional(Arrays.asList(params)).setNamed(Map.of()).build();
        return command(tenant, ExecuteBatch.newBuilder().setStatements(List.of(st)).build());
    }

    /** The same command as a client retry: a new command id, the same Idempotency-Key, a later ingress time. */
    static TenantCommand retry(TenantCommand first, String idempotencyKey, long laterMillis) {
        return TenantCommand.newBuilder(first).setCommandId(UUID.randomUUID().toString())
                .setIdempotencyKey(idempotencyKey).setIngressTimeMs(first.getIngressTimeMs() + laterMillis).build();
    }

    static TenantCommand delete(String tenant) {
        return command(tenant, new DeleteTenant());
    }

    static TenantCommand issueKey(String tenant, String keyId) {
        return command(tenant, IssueKey.newBuilder().setKey(key(keyId, "read")).build());
    }

    static TenantCommand revokeKey(String tenant, String keyId) {
        return command(tenant, RevokeKey.newBuilder().setKeyId(keyId).build());
    }

    static KeySpec key(String id, String... scopes) {
        return KeySpec.newBuilder().setKeyId(id).setSecretSha256("00".repeat(32)).setScopes(List.of(scopes)).build();
    }

    static TenantCommand command(String tenant, Object payload) {
        return TenantCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString())
                .setTenant(tenant)
                .setIngressTimeMs(T0)
                .setSeed(42)
                .setIdempotencyKey(null)
                .setPayload(payload)
                .build();
    }
}
