package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.tenantdb.sqlite.IntegrityCheck;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What never serving a damaged file costs: the edge checks a tenant file ({@code PRAGMA quick_check})
 * before it first serves it (and again every 10 minutes of use). Measured on a tenant of about
 * {@code megabytes} MB written through the API.
 */
public final class FileCheck {
    /** The file's size and the check's duration, best of three. */
    public record Result(long bytes, double millis) {}

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
        return new Result(Files.size(file) + Files.size(Path.of(file + "-wal")), best);
    }
}
