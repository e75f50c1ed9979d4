package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bench.load.CairnClient;
import io.cairn.tenantdb.sqlite.IntegrityCheck;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What never serving a damaged file costs, on a tenant of about {@code megabytes} MB written through the
 * API: the check the edge runs ({@code PRAGMA quick_check}) before it first serves a file (and again
 * every 10 minutes of use), and the heal when the file is lost: from the first read that finds it
 * missing until a read returns the tenant's rows again, rebuilt by the applier from the log.
 */
public final class FileCheck {
    /** The file's size, the check's duration (best of three) and the lost file's heal. */
    public record Result(long bytes, double millis, double healMillis) {}

    private FileCheck() {}

    public static Result measure(CairnClient client, Path hotDir, int megabytes) throws Exception {
        String tenant = "filecheck";
        String key = client.createTenant(tenant);
        client.execute(tenant, key, CairnClient.batch("CREATE TABLE big (id INTEGER PRIMARY KEY, pad BLOB)", List.of(List.of())));
        String bookmark = null;
        for (int i = 0; i < megabytes / 4; i++) {
            bookmark = client.executeNoWait(tenant, key, CairnClient.batch(
                    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 64) INSERT INTO big (pad) SELECT randomblob(65536) FROM c",
                    List.of(List.of())));
        }
        client.queryAtLeast(tenant, key, "SELECT count(*) FROM big", bookmark);
        Path file = new TenantFiles(hotDir).database(tenant);
        double best = Double.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            long start = System.nanoTime();
            if (IntegrityCheck.problem(tenant, file, SqliteLimits.READ_DEFAULTS).isPresent()) throw new IllegalStateException("damaged");
            best = Math.min(best, (System.nanoTime() - start) / 1e6);
        }
        long bytes = Files.size(file) + Files.size(Path.of(file + "-wal"));
        JsonNode rows = client.query(tenant, key, "SELECT count(*) FROM big", List.of(), null);

        for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(file + suffix));
        long start = System.nanoTime();
        JsonNode healed = client.queryWhileRecovering(tenant, key, "SELECT count(*) FROM big", Duration.ofMinutes(5));
        double heal = (System.nanoTime() - start) / 1e6;
        if (!healed.equals(rows)) throw new IllegalStateException("healed tenant answered " + healed + ", not " + rows);
        return new Result(bytes, best, heal);
    }
}
