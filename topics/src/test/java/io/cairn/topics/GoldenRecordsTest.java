package io.cairn.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.ApplyMigration;
import io.cairn.topics.avro.CommandError;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DayWrites;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Freeze;
import io.cairn.topics.avro.Frozen;
import io.cairn.topics.avro.IssueKey;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.RepairTenant;
import io.cairn.topics.avro.RestoreFrom;
import io.cairn.topics.avro.RotateDataKey;
import io.cairn.topics.avro.Sealed;
import io.cairn.topics.avro.SealedResult;
import io.cairn.topics.avro.RevokeKey;
import io.cairn.topics.avro.RunControl;
import io.cairn.topics.avro.RunStarted;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.SnapshotRef;
import io.cairn.topics.avro.SnapshotRefSpec;
import io.cairn.topics.avro.SnapshotTaken;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.StatementResult;
import io.cairn.topics.avro.TakeSnapshot;
import io.cairn.topics.avro.TenantAccess;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.VersionRegistered;
import io.cairn.topics.avro.WaveSent;
import io.cairn.topics.avro.Thaw;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.WriteUsage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Golden encodings of every record type, as data under {@code src/test/resources/golden/<version>/}.
 * The log is kept for years, so two things must hold: today's schemas encode exactly as the current
 * golden files say (an accidental schema change fails the build here, not in production), and every
 * golden file ever committed still decodes to its record. A deliberate schema change adds a new
 * version directory (run with {@code -Dcairn.golden.write=<version>}) and keeps the old ones, whose
 * schemas the serdes must then still read.
 */
class GoldenRecordsTest {
    static final String CURRENT = "v17";
    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");

    /** One fixture per record type and payload, with every optional field set somewhere. */
    static Map<String, SpecificRecord> fixtures() {
        Map<String, SpecificRecord> f = new LinkedHashMap<>();
        KeySpec key = KeySpec.newBuilder().setKeyId("0011223344556677").setSecretSha256("ab".repeat(32))
                .setScopes(List.of("read", "write")).build();
        f.put("command-create", command(CreateTenant.newBuilder().setTemplate("app").setInitialKey(key).setDataKeyId("dk-0001")
                .setTemplateVersions(List.of(MigrationVersion.newBuilder().setVersion(1).setChecksum("01".repeat(32))
                        .setStatements(List.of("CREATE TABLE t (a)")).build())).build(), "idem-1"));
        f.put("command-rotate-data-key", command(RotateDataKey.newBuilder().setKeyId("dk-0002").build(), null));
        f.put("command-sealed", command(Sealed.newBuilder().setKeyId("dk-0001").setCiphertext(ByteBuffer.wrap(new byte[] {1, 2, 3, 4})).build(), "idem-3"));
        List<Object> positional = new ArrayList<>(Arrays.asList(null, true, 9_223_372_036_854_775_807L, 1.5, "text",
                ByteBuffer.wrap(new byte[] {0, (byte) 0xff})));
        Statement st = Statement.newBuilder().setSql("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, :x)").setPositional(positional)
                .setNamed(Map.of(":x", "named")).build();
        f.put("command-execute", command(ExecuteBatch.newBuilder().setStatements(List.of(st)).build(), null));
        f.put("command-execute-if-unchanged", command(ExecuteBatch.newBuilder().setStatements(List.of(st)).setIfUnchangedSince(1041L).build(), "idem-2"));
        f.put("command-delete", command(DeleteTenant.newBuilder().build(), null));
        f.put("command-issue-key", command(IssueKey.newBuilder().setKey(key).build(), null));
        f.put("command-revoke-key", command(RevokeKey.newBuilder().setKeyId("0011223344556677").build(), null));
        f.put("command-apply-migration", command(ApplyMigration.newBuilder().setMigrationId("run-1").setVersion(2)
                .setSteps(List.of()).setSet("app").setVersions(List.of(
                        MigrationVersion.newBuilder().setVersion(1).setChecksum("01".repeat(32)).setStatements(List.of("CREATE TABLE t (a)")).build(),
                        MigrationVersion.newBuilder().setVersion(2).setChecksum("02".repeat(32))
                                .setStatements(List.of("ALTER TABLE t ADD COLUMN c", "CREATE INDEX t_c ON t (c)")).build())).setDryRun(true).build(), null));
        f.put("command-freeze", command(Freeze.newBuilder().setIdleBeforeMs(1_764_000_000_000L).build(), null));
        f.put("command-thaw", command(Thaw.newBuilder().build(), null));
        f.put("command-restore-from", command(RestoreFrom.newBuilder().setSourceTenant("acme").setAtOffset(42L)
                .setAtTimeMs(1_700_000_000_000L).setSourcePartition(3).build(), null));
        f.put("command-restore-import", command(RestoreFrom.newBuilder().setImportKey("tenants/acme/imports/0001")
                .setImportSha256("ab".repeat(32)).setImportSizeBytes(8_192L).build(), null));
        f.put("command-repair", command(RepairTenant.newBuilder().setReason("quick_check: Rowid out of order").build(), null));
        f.put("command-take-snapshot", command(TakeSnapshot.newBuilder().setReason("admin").build(), null));
        f.put("command-snapshot-taken", command(SnapshotTaken.newBuilder().setSnapshot(SnapshotRefSpec.newBuilder().setOffset(1000)
                .setSizeBytes(36_864).setStoredBytes(4_100).setSha256("cd".repeat(32)).setKey("tenants/acme/snapshots/00000000000000001000")
                .setTakenAtMs(1_700_000_000_500L).build()).build(), null));
        f.put("command-frozen", command(Frozen.newBuilder().setSnapshot(SnapshotRefSpec.newBuilder().setOffset(1001)
                .setSizeBytes(36_864).setStoredBytes(4_100).setSha256("ef".repeat(32)).setKey("tenants/acme/snapshots/00000000000000001001")
                .setTakenAtMs(1_700_000_000_600L).build()).build(), null));
        StatementResult rows = StatementResult.newBuilder().setChanges(1).setLastInsertRowid(7).setColumns(List.of("id", "v"))
                .setRows(List.of(new ArrayList<>(Arrays.asList(7L, null)))).build();
        f.put("result-ok", CommandResult.newBuilder().setCommandId("c-1").setTenant("acme").setPartition(3).setOffset(1042)
                .setOk(true).setError(null).setResults(List.of(rows)).setAppliedTimeMs(1_700_000_000_123L).setIdempotentReplay(true).build());
        f.put("result-failed", CommandResult.newBuilder().setCommandId("c-2").setTenant("acme").setPartition(3).setOffset(1043)
                .setOk(false).setError(CommandError.newBuilder().setCode("sql_error").setMessage("no such table: x").setStatement(1)
                        .setSqliteCode("SQLITE_ERROR").build())
                .setResults(List.of()).setAppliedTimeMs(1_700_000_000_456L).build());
        f.put("result-sealed", CommandResult.newBuilder().setCommandId("c-4").setTenant("acme").setPartition(3).setOffset(1045)
                .setOk(false).setError(CommandError.newBuilder().setCode("sql_error").setMessage("").setStatement(0).build())
                .setResults(List.of()).setAppliedTimeMs(1_700_000_000_457L)
                .setSealed(SealedResult.newBuilder().setKeyId("dk-0001").setCiphertext(ByteBuffer.wrap(new byte[] {5, 6, 7})).build()).build());
        f.put("state", TenantState.newBuilder().setTenant("acme").setTier(Tier.HOT).setPartition(3).setAppliedOffset(1043)
                .setSchemaVersion(2).setSizeBytes(36_864).setCreatedAtMs(1_600_000_000_000L).setLastWriteMs(1_700_000_000_456L)
                .setKeys(List.of(ApiKey.newBuilder().setKeyId("0011223344556677").setSecretSha256("ab".repeat(32))
                        .setScopes(List.of("read")).setCreatedAtMs(1_600_000_000_000L).setRevoked(true).build()))
                .setLatestSnapshot("tenants/acme/snapshots/00000000000000001000")
                .setWrites(WriteUsage.newBuilder().setStatements(1_234).setRowsWritten(56_789).setDays(List.of(
                        DayWrites.newBuilder().setDay(19_675).setStatements(1_000).setRowsWritten(50_000).build(),
                        DayWrites.newBuilder().setDay(19_676).setStatements(234).setRowsWritten(6_789).build())).build())
                .setSnapshot(SnapshotRef.newBuilder().setOffset(1000).setSizeBytes(36_864).setStoredBytes(4_100).setSha256("cd".repeat(32))
                        .setKey("tenants/acme/snapshots/00000000000000001000").setTakenAtMs(1_700_000_000_500L).build())
                .setMigrations(List.of(SetVersion.newBuilder().setSet("app").setVersion(2).setRunId("run-1").build(),
                        SetVersion.newBuilder().setSet("audit").setVersion(1).setRunId("run-2").setFailedVersion(2).setErrorCode("sql_error")
                                .setError("no such table: x").build(),
                        SetVersion.newBuilder().setSet("billing").setVersion(0).setRunId("run-3").setFailedVersion(1).setErrorCode("sql_error")
                                .setError(null).setErrorSealed(ByteBuffer.wrap(new byte[] {8, 9})).build()))
                .setSchemaSha256("5c".repeat(32))
                .setCreatedOffset(17)
                .setDataKeyId("dk-0002")
                .build());
        f.put("migration-version", MigrationEvent.newBuilder().setRequestId("req-1").setAtMs(1_700_000_000_000L).setPayload(
                VersionRegistered.newBuilder().setSet("app").setVersion(2).setChecksum("02".repeat(32))
                        .setStatements(List.of("ALTER TABLE t ADD COLUMN c")).setDescription("add c").setReplaces("03".repeat(32)).build()).build());
        f.put("migration-run", MigrationEvent.newBuilder().setRequestId("req-2").setAtMs(1_700_000_000_001L).setPayload(
                RunStarted.newBuilder().setRunId("run-1").setSet("app").setTargetVersion(2).setTenants(List.of("acme", "globex"))
                        .setCanary(1).setWaveSize(10).setMaxFailureRate(0.05).build()).build());
        f.put("migration-wave", MigrationEvent.newBuilder().setRequestId("req-3").setAtMs(1_700_000_000_002L).setPayload(
                WaveSent.newBuilder().setRunId("run-1").setFrom(0).setTo(1).setOffsets(List.of(1042L)).build()).build());
        f.put("migration-control", MigrationEvent.newBuilder().setRequestId("req-4").setAtMs(1_700_000_000_003L).setPayload(
                RunControl.newBuilder().setRunId("run-1").setAction("halt").setReason("2 of 10 failed").build()).build());
        f.put("access", TenantAccess.newBuilder().setTenant("acme").setSource("edge-7f3a").setSeq(12).setWindowEndMs(1_700_000_010_000L)
                .setLastAccessMs(1_700_000_009_876L).setReads(40).setWrites(2).setRowsRead(400).setBytesIn(5_000).setBytesOut(60_000)
                .setLife(17).build());
        f.put("dead-letter", DeadLetter.newBuilder().setTenant("acme").setPartition(3).setOffset(1044).setCommandId("c-3")
                .setReason("java.lang.IllegalStateException: boom").setAttempts(3).setQuarantinedAtMs(1_700_000_000_789L).build());
        return f;
    }

    private static TenantCommand command(Object payload, String idempotencyKey) {
        return TenantCommand.newBuilder().setCommandId("cmd-0001").setTenant("acme").setIngressTimeMs(1_700_000_000_000L)
                .setSeed(-42).setIdempotencyKey(idempotencyKey).setPayload(payload).setApiKeyId(idempotencyKey == null ? null : "0011223344556677").build();
    }

    @Test
    void todaysSchemasEncodeExactlyAsTheCurrentGoldenFiles() throws IOException {
        String write = System.getProperty("cairn.golden.write");
        Path dir = GOLDEN.resolve(write != null ? write : CURRENT);
        if (write != null) Files.createDirectories(dir);
        for (Map.Entry<String, SpecificRecord> e : fixtures().entrySet()) {
            String hex = HexFormat.of().formatHex(encode(e.getValue()));
            Path file = dir.resolve(e.getKey() + ".hex");
            if (write != null) Files.writeString(file, hex + "\n");
            assertThat(file).as("golden file for %s (a new record type needs one: -Dcairn.golden.write=%s)", e.getKey(), CURRENT).exists();
            assertThat(hex).as("encoding of %s changed: a schema change needs a new golden version", e.getKey())
                    .isEqualTo(Files.readString(file).strip());
        }
    }

    @Test
    void everyGoldenRecordEverCommittedStillDecodes() throws IOException {
        Map<String, SpecificRecord> expected = fixtures();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(GOLDEN)) {
            files = walk.filter(p -> p.toString().endsWith(".hex")).sorted().toList();
        }
        assertThat(files).as("golden files").isNotEmpty();
        for (Path file : files) {
            String name = file.getFileName().toString().replace(".hex", "");
            byte[] bytes = HexFormat.of().parseHex(Files.readString(file).strip());
            SpecificRecord decoded = decode(name, bytes);
            if (file.getParent().getFileName().toString().equals(CURRENT)) {
                assertThat(decoded).as(name).isEqualTo(expected.get(name));
            } else {
                assertThat(decoded).as("old golden %s", file).isNotNull();
            }
        }
    }

    private static byte[] encode(SpecificRecord record) {
        return switch (record) {
            case TenantCommand c -> Serdes.COMMAND.encode(c);
            case CommandResult r -> Serdes.RESULT.encode(r);
            case TenantState s -> Serdes.STATE.encode(s);
            case DeadLetter d -> Serdes.DEAD_LETTER.encode(d);
            case TenantAccess a -> Serdes.ACCESS.encode(a);
            case MigrationEvent m -> Serdes.MIGRATION.encode(m);
            default -> throw new IllegalArgumentException(record.getClass().getName());
        };
    }

    private static SpecificRecord decode(String name, byte[] bytes) {
        if (name.startsWith("command-")) return Serdes.COMMAND.decode(bytes);
        if (name.startsWith("result-")) return Serdes.RESULT.decode(bytes);
        if (name.startsWith("state")) return Serdes.STATE.decode(bytes);
        if (name.startsWith("dead-letter")) return Serdes.DEAD_LETTER.decode(bytes);
        if (name.startsWith("access")) return Serdes.ACCESS.decode(bytes);
        if (name.startsWith("migration-")) return Serdes.MIGRATION.decode(bytes);
        throw new IllegalArgumentException("golden file of unknown type: " + name);
    }
}
