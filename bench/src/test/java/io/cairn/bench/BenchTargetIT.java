package io.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.bench.report.Report;
import io.cairn.bench.report.Row;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./cairn bench --target}: the HTTP scenarios run against a Cairn reached only by its URL (here a
 * stack started beside the test, which the run never touches but over HTTP), twice against the same
 * server, so a second run's tenants never collide with the first's. Rows and files, never timings.
 */
class BenchTargetIT {
    @TempDir Path data;

    @Test
    void theHttpScenariosRunAgainstAServerReachedByItsUrlAlone() throws Exception {
        try (BenchStack stack = BenchStack.start(data.resolve("stack"))) {
            String url = "http://127.0.0.1:" + stack.httpPort();
            for (int i = 0; i < 2; i++) {
                TargetRun run = new TargetRun(BenchPlan.tiny(), url, BenchStack.ADMIN_TOKEN, step -> {});
                Report report = run.run(Path.of("").toAbsolutePath(), "test");
                assertThat(report.plan()).isEqualTo("target-tiny");
                assertThat(report.rows()).extracting(Row::scenario).anyMatch(s -> s.startsWith("HTTP floor"))
                        .anyMatch(s -> s.startsWith("Tenant creation")).anyMatch(s -> s.startsWith("Single write"))
                        .anyMatch(s -> s.startsWith("Write throughput, batches of 1,")).anyMatch(s -> s.startsWith("Hot read"))
                        .anyMatch(s -> s.startsWith("Read-your-write"));
                assertThat(report.rows()).allSatisfy(r -> assertThat(r.value()).as(r.scenario() + " " + r.metric()).isPositive());
                assertThat(report.notes()).anyMatch(n -> n.contains(url));
            }
        }
    }
}
