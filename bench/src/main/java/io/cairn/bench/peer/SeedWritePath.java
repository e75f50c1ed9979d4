package io.cairn.bench.peer;

import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The seed system's write path, emulated on the same machine: per write, open the tenant's SQLite file,
 * insert one row, close it, then copy the whole file to S3 (here s3proxy, which keeps objects in memory:
 * a real S3 PUT of the same bytes is slower). One writer per tenant, as the seed's per-tenant FIFO queue.
 */
public final class SeedWritePath {
    private SeedWritePath() {}

    /** Latency of {@code writes} such writes to a tenant file of about {@code megabytes} MB. */
    public static Latency measure(S3Client s3, String bucket, Path dir, int megabytes, int writes) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("seed-" + megabytes + "mb.db");
        Files.deleteIfExists(file);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kv (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
            // ~4 KB rows up to the size wanted (the seed's tenants carry their data, not empty files)
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO kv (v) VALUES (randomblob(4000))")) {
                for (long i = 0; i < (long) megabytes * 250; i++) ps.executeUpdate();
            }
            c.commit();
        }
        String key = "seed/" + file.getFileName();
        ClosedLoop.forCount(1, Math.max(1, writes / 5), seq -> write(s3, bucket, key, file)); // warm-up
        return ClosedLoop.forCount(1, writes, seq -> write(s3, bucket, key, file));
    }

    private static void write(S3Client s3, String bucket, String key, Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             PreparedStatement ps = c.prepareStatement("INSERT INTO kv (v) VALUES (?)")) {
            ps.setBytes(1, new byte[64]);
            ps.executeUpdate();
        }
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromFile(file));
    }
}
