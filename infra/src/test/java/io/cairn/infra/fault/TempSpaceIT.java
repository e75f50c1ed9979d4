package io.cairn.infra.fault;

import static io.cairn.infra.fault.FaultStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.infra.Tmpfs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tenant's write needs more space for SQLite's temporary files than the node has: a DISTINCT over 200
 * values of 1 MB (in a few thousand steps, so only the watch of the space can stop it), with the applier's
 * temporary files on a 96 MiB tmpfs (mounted by the test; it needs root and mount rights, and is skipped,
 * saying so, without them) and a floor of 48 MiB. The write is stopped before the
 * space runs out, is not failed, and waits; another tenant's writes go on meanwhile and the applier stays up;
 * when the space grows, the write applies by itself.
 */
@Tag("fault")
class TempSpaceIT {
    @TempDir Path data;

    @Test
    void aWriteNeedingMoreTemporarySpaceThanTheNodeHasWaitsWhileOtherTenantsWritesGoOn() throws Exception {
        Path tmp = data.resolve("sqlite-tmp");
        Files.createDirectories(tmp);
        Assumptions.assumeTrue(Tmpfs.mount(tmp, 96),
                "TempSpaceIT skipped: mounting a tmpfs needs root and mount rights here");
        try (FaultStack stack = FaultStack.start(data);
             ApplierProcess applier = ApplierProcess.configure(data, stack.bootstrapServers(), FaultStack.PARTITIONS, "min_free_temp_mib: 48", List.of())
                     .withEnvironment(Map.of("SQLITE_TMPDIR", tmp.toString()))) {
            applier.start();
            stack.awaitApplierInGroup();
            String sorter = stack.call("/v1/tenants", ADMIN, null, "{\"tenant\":\"sorter\"}", 201).path("api_key").asText();
            String other = stack.call("/v1/tenants", ADMIN, null, "{\"tenant\":\"other\"}", 201).path("api_key").asText();
            stack.call("/v1/tenants/other/execute", other, null, "{\"sql\":\"CREATE TABLE t (n INTEGER PRIMARY KEY)\"}", 200);
            HttpClient http = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> distinct = http.sendAsync(HttpRequest.newBuilder(
                            URI.create(stack.baseUrl() + "/v1/tenants/sorter/execute")).header("Authorization", "Bearer " + sorter)
                    .header("Idempotency-Key", "distinct").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"sql\":\"CREATE TABLE d AS SELECT count(DISTINCT i || upper(hex(zeroblob(500000)))) AS c"
                                    + " FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i FROM n)\"}")).build(), HttpResponse.BodyHandlers.ofString());
            for (int n = 1; n <= 10; n++) {
                stack.call("/v1/tenants/other/execute", other, "other-" + n, "{\"sql\":\"INSERT INTO t VALUES (" + n + ")\"}", 200);
            }
            HttpResponse<String> waited = distinct.get(2, TimeUnit.MINUTES);
            assertThat(waited.statusCode()).as("the big write is not failed: it waits (%s)", waited.body()).isEqualTo(504);
            assertThat(applier.alive()).as("the applier stays up").isTrue();
            assertThat(stack.call("/v1/tenants/other/query", other, null, "{\"sql\":\"SELECT count(*) FROM t\"}", 200).path("rows").toString())
                    .isEqualTo("[[10]]");
            assertThat(stack.call("/v1/tenants/sorter/query", sorter, null, "{\"sql\":\"SELECT count(*) FROM sqlite_schema WHERE name = 'd'\"}", 200)
                    .path("rows").toString()).as("nothing of it applied").isEqualTo("[[0]]");
            assertThat(Tmpfs.resize(tmp, 512)).as("the space grows").isTrue();
            await("the waiting write applied").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() ->
                    stack.call("/v1/tenants/sorter/query", sorter, null, "{\"sql\":\"SELECT count(*) FROM sqlite_schema WHERE name = 'd'\"}", 200)
                            .path("rows").toString().equals("[[1]]"));
            assertThat(stack.call("/v1/tenants/sorter/query", sorter, null, "{\"sql\":\"SELECT c FROM d\"}", 200).path("rows").toString())
                    .isEqualTo("[[200]]");
        } finally {
            Tmpfs.unmount(tmp);
        }
    }
}
