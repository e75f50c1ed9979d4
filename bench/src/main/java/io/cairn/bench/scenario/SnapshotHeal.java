package io.cairn.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bench.load.CairnClient;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a snapshot saves a heal: a tenant with {@code records} records of {@code perRecord} inserts in its
 * history has its file damaged twice (replaced by bytes that are no SQLite file); the first heal replays its
 * whole history from offset 0 (no snapshot yet), the second starts from a snapshot taken after the history
 * and replays only the one record after it. Each is timed from the read that finds the file damaged until a
 * read returns the rows. Damaged, not removed: a read that finds a file missing first waits up to 2 s for a
 * delete or a freeze to explain it (docs/api.md, {@code tenant_recovering}), which would hide what the
 * snapshot saves; the lost-file row of {@code FileCheck} shows that wait.
 */
public final class SnapshotHeal {
    /** Both heals, the file's size and the snapshot's. */
    public record Result(double fromStartMillis, double fromSnapshotMillis, long fileBytes, long storedBytes) {}

    private SnapshotHeal() {}

    public static Result measure(CairnClient client, Path hotDir, int records, int perRecord) throws Exception {
        String tenant = "healhistory";
        String key = client.createTenant(tenant);
        client.execute(tenant, key, CairnClient.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT)", List.of(List.of())));
        String bookmark = null;
        for (int r = 0; r < records; r++) {
            List<List<?>> params = new ArrayList<>(perRecord);
            for (int i = 0; i < perRecord; i++) params.add(List.of(r * perRecord + i, "row " + r));
            bookmark = CairnClient.retryingRefused(() -> client.executeNoWait(tenant, key, CairnClient.batch("INSERT INTO t (n, s) VALUES (?, ?)", params)));
        }
        String count = "SELECT count(*), sum(n) FROM t";
        JsonNode rows = client.queryAtLeast(tenant, key, count, bookmark);
        Path file = new TenantFiles(hotDir).database(tenant);
        Path wal = Path.of(file + "-wal");
        long fileBytes = Files.size(file) + (Files.exists(wal) ? Files.size(wal) : 0);

        double fromStart = heal(client, tenant, key, file, count, rows);

        String asked = client.snapshot(tenant);
        long askedOffset = Long.parseLong(asked.substring(asked.indexOf(':') + 1));
        JsonNode snapshot = awaitSnapshot(client, tenant, askedOffset);
        client.queryAtLeast(tenant, key, count, client.executeNoWait(tenant, key,
                CairnClient.batch("INSERT INTO t (n, s) VALUES (?, ?)", List.of(List.of(0, "after the snapshot")))));
        rows = client.query(tenant, key, count, List.of(), null);
        double fromSnapshot = heal(client, tenant, key, file, count, rows);
        return new Result(fromStart, fromSnapshot, fileBytes, snapshot.path("stored_bytes").asLong());
    }

    private static double heal(CairnClient client, String tenant, String key, Path file, String sql, JsonNode expected) throws Exception {
        Path garbage = Path.of(file + ".garbage");
        byte[] notSqlite = new byte[64 * 1024];
        java.util.Arrays.fill(notSqlite, (byte) 0x5a);
        Files.write(garbage, notSqlite);
        for (String suffix : List.of("-wal", "-shm")) Files.deleteIfExists(Path.of(file + suffix));
        Files.move(garbage, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        long start = System.nanoTime();
        JsonNode healed = client.queryWhileRecovering(tenant, key, sql, Duration.ofMinutes(10));
        double millis = (System.nanoTime() - start) / 1e6;
        if (!healed.equals(expected)) throw new IllegalStateException("healed tenant answered " + healed + ", not " + expected);
        return millis;
    }

    private static JsonNode awaitSnapshot(CairnClient client, String tenant, long notBefore) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode s = client.get("/v1/tenants/" + tenant).path("last_snapshot");
            if (s.isObject()) {
                String b = s.path("bookmark").asText();
                if (Long.parseLong(b.substring(b.indexOf(':') + 1)) >= notBefore - 1) return s;
            }
            Thread.sleep(50); // pacing the polls
        }
        throw new IllegalStateException("no snapshot of " + tenant + " after 5 minutes");
    }
}
