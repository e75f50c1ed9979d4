package io.cairn.bench.ceiling;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The fleet migration's work with nothing in front of it: raw sqlite-jdbc on the tenant files' disk, one thread,
 * each file opened as the applier opens a tenant's (WAL, {@code synchronous=NORMAL}), the version applied in one
 * transaction (a column and an index on a table of {@code rows} rows), its WAL synced as the applier syncs a
 * tenant's before Kafka's offsets move, and closed. No log, no outcome, no state: what a migration of one tenant
 * costs SQLite and the disk alone, so a fleet run's time can be read against it.
 */
public final class MigrationCeiling {
    /** @param perSecond files migrated per second on one thread */
    public record Result(int files, double perSecond) {
        /** Seconds one thread would take for {@code tenants} files at this rate. */
        public double secondsFor(int tenants) {
            return tenants / perSecond;
        }
    }

    private MigrationCeiling() {}

    public static Result measure(Path dir, int files, int rows) throws SQLException, IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < files; i++) fill(dir.resolve(i + ".db"), rows);
        migrate(dir.resolve("0.db")); // JIT warm-up on the first file; the rest are measured
        long t0 = System.nanoTime();
        for (int i = 1; i < files; i++) migrate(dir.resolve(i + ".db"));
        double perSecond = (files - 1) / ((System.nanoTime() - t0) / 1e9);
        try (var all = Files.list(dir)) {
            for (Path p : all.toList()) Files.deleteIfExists(p);
        }
        return new Result(files - 1, perSecond);
    }

    private static void fill(Path file, int rows) throws SQLException {
        try (Connection c = open(file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
            s.execute("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < " + rows
                    + ") INSERT INTO items (id, name) SELECT n, 'item-' || n FROM c");
        }
    }

    private static void migrate(Path file) throws SQLException, IOException {
        try (Connection c = open(file); Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            s.execute("ALTER TABLE items ADD COLUMN sku TEXT");
            s.execute("CREATE INDEX items_sku ON items (sku)");
            s.execute("COMMIT");
            try (FileChannel wal = FileChannel.open(Path.of(file + "-wal"), StandardOpenOption.WRITE)) {
                wal.force(false);
            }
        }
    }

    private static Connection open(Path file) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
        }
        return c;
    }
}
