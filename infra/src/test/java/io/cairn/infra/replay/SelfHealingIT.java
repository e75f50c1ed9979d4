package io.cairn.infra.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.streams.apply.Applier;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.TenantCommand;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-healing: with the applier stopped, one tenant's file is deleted and another's is overwritten in
 * the middle; when the applier next touches them it rebuilds both from the log (counted in
 * {@code cairn.applier.rebuilds}), applies the new writes on top, and every tenant then equals a
 * replay of the whole log.
 */
class SelfHealingIT {
    private static final long SEED = 20_260_303L;

    @TempDir Path data;

    @Test
    void applierRebuildsTenantsWhoseFileIsMissingOrCorruptFromTheLog() throws Exception {
        System.out.printf("SelfHealingIT: seed %d%n", SEED);
        Path hot = data.resolve("hot");
        TenantFiles files = new TenantFiles(hot);
        try (LogFixture log = LogFixture.start(data.resolve("kafka"))) {
            DeterminismWorkload workload = new DeterminismWorkload(SEED, 6);
            List<TenantCommand> commands = new ArrayList<>();
            while (workload.statements() < 5_000) commands.addAll(workload.next());
            try (Applier applier = Applier.start(ApplierConfig.primary(hot), log.clientProps(), new SimpleMeterRegistry())) {
                log.produce(commands);
                log.awaitApplied("cairn-applier", hot);
            }
            List<String> alive = files.list().stream().sorted().toList();
            assertThat(alive).hasSizeGreaterThanOrEqualTo(2);
            String lost = alive.get(0);
            String corrupt = alive.get(1);
            for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(files.database(lost) + suffix));
            overwritePage(files.database(corrupt), 2);

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (Applier applier = Applier.start(ApplierConfig.primary(hot), log.clientProps(), meters)) {
                log.produce(List.of(write(lost), write(corrupt)));
                log.awaitApplied("cairn-applier", hot);
            }
            assertThat(meters.get("cairn.applier.rebuilds").tag("reason", "missing").counter().count()).isEqualTo(1);
            assertThat(meters.get("cairn.applier.rebuilds").tag("reason", "corrupt").counter().count()).isEqualTo(1);

            Path replayed = data.resolve("replayed");
            new LogReplay(log.clientProps(), ApplierConfig.primary(replayed)).replayAll(t -> true, p -> { });
            assertThat(LogFixture.checksums(hot)).as("healed tenants equal a replay of the whole log")
                    .isEqualTo(LogFixture.checksums(replayed));
        }
    }

    private static TenantCommand write(String tenant) {
        Statement st = new Statement("INSERT INTO audit VALUES (4242, CURRENT_TIMESTAMP, random())", List.of(), Map.of());
        return TenantCommand.newBuilder().setCommandId("heal-" + tenant).setTenant(tenant)
                .setIngressTimeMs(DeterminismWorkload.T0 + 86_400_000L).setSeed(7).setIdempotencyKey(null)
                .setPayload(new ExecuteBatch(List.of(st), null)).build();
    }

    /** Fills page {@code page} (1-based, 4 KiB pages) with garbage, as a torn or bit-rotted write would. */
    private static void overwritePage(Path db, int page) throws Exception {
        byte[] garbage = new byte[4096];
        Arrays.fill(garbage, (byte) 0xA5);
        try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
            assertThat(f.length()).as("database has page %d", page).isGreaterThanOrEqualTo(page * 4096L);
            f.seek((page - 1) * 4096L);
            f.write(garbage);
        }
    }
}
