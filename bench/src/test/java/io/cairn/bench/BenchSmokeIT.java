package io.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.bench.report.Report;
import io.cairn.bench.report.ResultsFiles;
import io.cairn.bench.report.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every scenario of the bench with tiny counts against a real stack, so a change to the API or
 * the stack that breaks the bench fails the build. Asserts that each scenario produced its rows and
 * files, never a timing: benchmarks are not tests.
 */
class BenchSmokeIT {
    @TempDir
    Path data;

    @TempDir
    Path out;

    @Test
    void everyScenarioProducesItsRowsAndFiles() throws Exception {
        BenchRun run = new BenchRun(BenchPlan.tiny(), data, step -> {});
        Report report = run.charts().withPictures(run.run(Path.of("").toAbsolutePath(), "test"), out, false);

        assertThat(report.rows()).extracting(Row::scenario).anyMatch(s -> s.startsWith("SQLite"))
                .anyMatch(s -> s.startsWith("Kafka")).anyMatch(s -> s.startsWith("HTTP floor"))
                .anyMatch(s -> s.startsWith("HTTP floor at the single write's rate")).anyMatch(s -> s.startsWith("Single write")).anyMatch(s -> s.startsWith("Write throughput, batches of 10,"))
                .anyMatch(s -> s.startsWith("Hot read")).anyMatch(s -> s.startsWith("Read-your-write"))
                .anyMatch(s -> s.startsWith("Tenant creation")).anyMatch(s -> s.contains("idle tenants"))
                .anyMatch(s -> s.startsWith("Cold first read")).anyMatch(s -> s.startsWith("Thaw storm"))
                .anyMatch(s -> s.startsWith("Fleet migration")).anyMatch(s -> s.startsWith("Tenant creation from a template"))
                .anyMatch(s -> s.startsWith("Point in time")).anyMatch(s -> s.startsWith("Java client"))
                .anyMatch(s -> s.startsWith("Encryption: write throughput")).anyMatch(s -> s.startsWith("Cairn beside PostgreSQL"))
                .anyMatch(s -> s.startsWith("Cairn beside the seed system"));
        // The single write is the round its p50 settled in: at least a second round, to compare with the first.
        assertThat(report.rows()).filteredOn(r -> r.scenario().startsWith("Single write") && r.metric().startsWith("rounds until"))
                .singleElement().satisfies(r -> assertThat(r.value()).isBetween(2.0, 6.0));
        // CPU per operation beside the rates: the HTTP floor's, tenant creation's and both write throughputs'.
        assertThat(report.rows()).filteredOn(r -> r.metric().equals(BenchRun.CPU_METRIC)).extracting(Row::scenario)
                .anyMatch(s -> s.startsWith("HTTP floor")).anyMatch(s -> s.startsWith("Tenant creation"))
                .anyMatch(s -> s.startsWith("Write throughput, batches of 1,")).anyMatch(s -> s.startsWith("Write throughput, batches of 10,"));
        // Growth may be nothing, a cold tenant holds nothing on the hot volume, no tenant fails a migration, keys
        // cached in memory need no KEK call, and no write is refused for a backlog: those may be 0.
        assertThat(report.rows()).filteredOn(r -> r.metric().startsWith("writes refused")).hasSize(2);
        assertThat(report.rows()).filteredOn(r -> !r.metric().contains("added") && !r.metric().startsWith("hot-volume bytes")
                        && !r.metric().equals("tenants failed") && !r.metric().equals("unwraps per tenant per hour")
                        && !r.metric().startsWith("writes refused"))
                .allSatisfy(r -> assertThat(r.value()).as(r.scenario() + " " + r.metric()).isPositive());

        Path md = ResultsFiles.write(report, out, true);
        assertThat(Files.readString(md)).contains("| cairn | Hot read");
        assertThat(out.resolve("results/tiny.json")).exists();
        for (String picture : new String[] {"results/tiny-latency-cdf.png", "results/tiny-throughput.png"}) {
            assertThat(out.resolve(picture)).as(picture).exists();
            assertThat(Files.readAllBytes(out.resolve(picture))).as(picture).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'}).hasSizeGreaterThan(5_000);
        }
        assertThat(Files.readString(md)).contains("[latency CDF](tiny-latency-cdf.png)");
    }

    @Test
    void theColdFleetRunProducesItsRows() throws Exception {
        Report report = new ColdFleetRun(200, 8, data, step -> {}).run(Path.of("").toAbsolutePath(), "test");

        assertThat(report.rows()).extracting(Row::metric).contains("RSS added, 99% cold", "open files added, 99% cold",
                "hot-volume bytes, tenant files, 99% cold", "snapshot bytes per cold tenant (its cost while idle)", "freeze rate");
        // 2 of the 200 stay hot: only their files are left on the hot volume, and every cold one has its snapshot.
        assertThat(report.rows()).filteredOn(r -> r.metric().equals("tenant files on the hot volume, 99% cold"))
                .singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(2));
        assertThat(report.rows()).filteredOn(r -> r.metric().equals("snapshots, 99% cold"))
                .singleElement().satisfies(r -> assertThat(r.value()).isGreaterThanOrEqualTo(198));
        assertThat(ResultsFiles.write(report, out, false)).hasFileName("cold-fleet.md");
    }
}
