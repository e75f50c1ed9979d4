package io.cairn.infra.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.infra.cli.CairnCommand;
import io.cairn.streams.apply.Applier;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.topics.avro.TenantCommand;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Deterministic replay: a seeded workload of 100k+ statements over 120 tenants, full of random and
 * clock functions, DDL, deletes and failing batches, is applied by the real applier from a real broker;
 * then {@code cairn rebuild} replays the log into a fresh directory, and every tenant's logical checksum
 * equals the live one.
 */
class RebuildFromLogIT {
    private static final long SEED = 20_260_302L;
    private static final int TENANTS = 120;
    private static final long MIN_STATEMENTS = 100_000;

    @TempDir Path data;

    @Test
    void rebuildFromTheLogReproducesEveryTenantExactly() throws Exception {
        System.out.printf("RebuildFromLogIT: seed %d, %d tenants%n", SEED, TENANTS);
        Path hot = data.resolve("hot");
        try (LogFixture log = LogFixture.start(data.resolve("kafka"));
             Applier applier = Applier.start(ApplierConfig.primary(hot), log.clientProps(), new SimpleMeterRegistry())) {
            DeterminismWorkload workload = new DeterminismWorkload(SEED, TENANTS);
            List<TenantCommand> commands = new ArrayList<>();
            while (workload.statements() < MIN_STATEMENTS) commands.addAll(workload.next());
            long start = System.nanoTime();
            log.produce(commands);
            log.awaitApplied("cairn-applier", hot);
            System.out.printf("RebuildFromLogIT: live applier: %,d commands, %,d statements in %.1f s (produce + apply)%n",
                    workload.commands(), workload.statements(), (System.nanoTime() - start) / 1e9);
            Map<String, String> live = LogFixture.checksums(hot);
            assertThat(live).as("most tenants alive at the end").hasSizeGreaterThan(TENANTS * 3 / 4);

            Path rebuilt = data.resolve("rebuilt");
            int exit = new CommandLine(new CairnCommand()).execute("rebuild", "--bootstrap", log.bootstrapServers(), "--into", rebuilt.toString());
            assertThat(exit).isZero();
            assertThat(LogFixture.checksums(rebuilt)).as("every tenant rebuilt from the log equals the live one").isEqualTo(live);

            // One tenant alone: its file, and no registry of one tenant that could be put in place of the live one's.
            String one = live.keySet().iterator().next();
            Path alone = data.resolve("rebuilt-one");
            assertThat(new CommandLine(new CairnCommand()).execute("rebuild", "--bootstrap", log.bootstrapServers(), "--tenant", one,
                    "--into", alone.toString())).isZero();
            assertThat(LogFixture.checksums(alone)).isEqualTo(Map.of(one, live.get(one)));
            assertThat(new io.cairn.tenantdb.sqlite.TenantFiles(alone).registryFile()).doesNotExist();
            assertThat(new CommandLine(new CairnCommand()).execute("rebuild", "--bootstrap", log.bootstrapServers(), "--tenant", "nobody-here",
                    "--into", data.resolve("rebuilt-none").toString())).as("a tenant the log does not hold").isEqualTo(1);
        }
    }
}
