package io.cairn.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md and the Grafana dashboard kept true to what a running Cairn exports: every {@code cairn_}
 * metric of a live scrape (edge, applier, snapshots, materializer, after a write and a read) is in the
 * metrics reference, and every metric a dashboard panel queries is in the scrape.
 */
class OperationsIT {
    @TempDir static Path data;
    static SnapshotBucket bucket;
    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        bucket = SnapshotBucket.start(data.resolve("s3"));
        stack = TestStack.startWithControlPlane(data, spec -> spec.withSnapshots(bucket.options()));
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
        if (bucket != null) bucket.close();
    }

    @Test
    void theMetricsReferenceAndTheDashboardNameWhatCairnExports() throws Exception {
        String key = stack.createTenant("ops");
        stack.post("/v1/tenants/ops/execute", key, "{\"sql\":\"CREATE TABLE t (v)\"}");
        stack.post("/v1/tenants/ops/query", key, "{\"sql\":\"SELECT count(*) FROM t\"}");
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stack.url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Set<String> samples = scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
        Set<String> families = scrape.lines().filter(l -> l.startsWith("# TYPE cairn_")).map(l -> l.split(" ")[2])
                .map(f -> f.replaceAll("_max$", "")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(families).contains("cairn_edge_requests_total", "cairn_applier_records_total", "cairn_snapshots_taken_total",
                "cairn_materializer_lag_records");
        // One node, its applier and its edge in one process: the write (and the creation) were answered as the applier committed them.
        assertThat(scrape.lines().filter(l -> l.startsWith("cairn_edge_outcomes_here_total")).findFirst().orElseThrow())
                .doesNotEndWith(" 0.0");

        String reference = Files.readString(Path.of("..", "docs", "operations.md"));
        for (String f : families) assertThat(reference).as("docs/operations.md describes %s", f).contains("`" + f);

        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(Path.of("grafana", "cairn-dashboard.json")));
        Pattern metric = Pattern.compile("\\b((?:cairn|kafka)_[a-z0-9_]+)");
        int queried = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = metric.matcher(target.path("expr").asText());
                while (m.find()) {
                    queried++;
                    String name = m.group(1);
                    if (name.startsWith("cairn_query_cache_")) {
                        // Exported only where a read cache is configured (./cairn dev, serve with cache:), not by this stack.
                        assertThat(reference).as("panel '%s' queries %s", panel.path("title").asText(), name).contains(name);
                    } else {
                        assertThat(samples).as("panel '%s' queries %s", panel.path("title").asText(), name).contains(name);
                    }
                }
            }
        }
        assertThat(queried).isGreaterThan(15);
    }
}
