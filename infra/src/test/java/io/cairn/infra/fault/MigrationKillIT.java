package io.cairn.infra.fault;

import static io.cairn.infra.fault.FaultStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet migration run proven by killing the applier (its own JVM, SIGKILL) several times while the
 * run's records are being applied: afterwards every tenant has the new version exactly once (one row in
 * {@code _cairn_migrations}, the column and index there), kept all its rows, and the run says so.
 */
@Tag("fault")
class MigrationKillIT {
    private static final int TENANTS = 120;
    private static final int ROWS = 2_000;
    private static final int KILLS = 3;

    @TempDir Path data;

    @Test
    void aRunAppliesEveryTenantExactlyOnceWhenTheApplierIsKilledMidRun() throws Exception {
        Random random = new Random(Long.getLong("cairn.fault.seed", 20_261_130L));
        try (FaultStack stack = FaultStack.start(data);
             // Two heavy-lane workers (cairn.yaml's heavy_lane_threads): a kill finds both mid-group.
             ApplierProcess applier = ApplierProcess.configure(data, stack.bootstrapServers(), FaultStack.PARTITIONS, "heavy_lane_threads: 2",
                     List.of())) {
            applier.start();
            stack.awaitApplierInGroup();
            List<String> tenants = new ArrayList<>();
            for (int i = 0; i < TENANTS; i++) {
                String t = "mk-" + i;
                String key = stack.call("/v1/tenants", ADMIN, null, "{\"tenant\":\"" + t + "\"}", 201).path("api_key").asText();
                stack.call("/v1/tenants/" + t + "/execute", key, null, "{\"statements\":["
                        + "{\"sql\":\"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)\"},"
                        + "{\"sql\":\"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < " + ROWS
                        + ") INSERT INTO items SELECT n, 'item-' || n FROM c\"}]}", 200);
                tenants.add(t);
            }
            stack.request("PUT", "/v1/migrations/mk/versions/1", ADMIN, "{\"statements\":[\"ALTER TABLE items ADD COLUMN sku TEXT\","
                    + "\"UPDATE items SET sku = 'sku-' || id\",\"CREATE INDEX items_sku ON items (sku)\"]}", 201);

            applier.kill(); // the run's records wait in the log for an applier that keeps dying
            JsonNode run = stack.request("POST", "/v1/migrations/mk/runs", ADMIN, "{\"tenants\":" + json(tenants) + "}", 202);
            String runId = run.path("run_id").asText();
            for (int k = 1; k <= KILLS; k++) {
                int threshold = k * TENANTS / (KILLS + 1) - random.nextInt(TENANTS / (2 * (KILLS + 1)));
                applier.start();
                // Killed once the run has gone that far: in the middle of it, wherever the applier is.
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(10)).until(() -> stack.request("GET",
                        "/v1/migrations/mk/runs/" + runId, ADMIN, null, 200).path("applied").asInt() >= threshold);
                applier.kill();
                System.out.println("MigrationKillIT: killed with " + stack.request("GET", "/v1/migrations/mk/runs/" + runId, ADMIN, null, 200)
                        .path("applied").asInt() + " of " + TENANTS + " tenants applied (threshold " + threshold + ")");
            }
            applier.start();
            stack.awaitApplierInGroup();
            JsonNode status;
            try {
                status = await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                        .until(() -> stack.request("GET", "/v1/migrations/mk/runs/" + runId, ADMIN, null, 200), s -> s.path("done").asBoolean());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                TenantFiles files = new TenantFiles(stack.hotDir());
                for (String t : tenants) {
                    JsonNode st = stack.request("GET", "/v1/tenants/" + t, ADMIN, null, 200);
                    if (st.path("migrations").path("mk").path("version").asInt() == 1) continue;
                    try (TenantConnection c = SqliteConnections.openReadOnly(t, files.database(t), SqliteLimits.READ_DEFAULTS);
                         ResultSet rs = c.connection().createStatement().executeQuery("SELECT (SELECT count(*) FROM _cairn_migrations),"
                                 + " (SELECT log_offset FROM _cairn_applied)")) {
                        rs.next();
                        System.out.println("MigrationKillIT: pending " + t + ": state " + st + "; file has " + rs.getInt(1)
                                + " migration rows, applied offset " + rs.getLong(2));
                    }
                }
                throw e;
            }
            assertThat(status.path("applied").asInt()).as(status.toString()).isEqualTo(TENANTS);
            assertThat(status.path("failed").asInt()).isZero();

            TenantFiles files = new TenantFiles(stack.hotDir());
            for (String t : tenants) {
                try (TenantConnection c = SqliteConnections.openReadOnly(t, files.database(t), SqliteLimits.READ_DEFAULTS);
                     ResultSet versions = c.connection().createStatement().executeQuery(
                             "SELECT count(*) FROM _cairn_migrations WHERE set_name = 'mk' AND version = 1")) {
                    versions.next();
                    assertThat(versions.getInt(1)).as("%s applied version 1 once", t).isEqualTo(1);
                    try (ResultSet rows = c.connection().createStatement().executeQuery(
                            "SELECT count(*), count(sku), sum(sku = 'sku-' || id) FROM items")) {
                        rows.next();
                        assertThat(rows.getInt(1)).as(t).isEqualTo(ROWS);
                        assertThat(rows.getInt(3)).as("%s: every row backfilled once", t).isEqualTo(ROWS);
                    }
                    try (ResultSet index = c.connection().createStatement().executeQuery(
                            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'items_sku'")) {
                        index.next();
                        assertThat(index.getInt(1)).as(t).isEqualTo(1);
                    }
                }
            }
        }
    }

    private static String json(List<String> tenants) {
        return "[" + String.join(",", tenants.stream().map(t -> "\"" + t + "\"").toList()) + "]";
    }
}
