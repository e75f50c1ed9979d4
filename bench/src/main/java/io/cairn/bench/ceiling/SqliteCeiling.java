package io.cairn.bench.ceiling;

import io.cairn.bench.load.Latency;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Raw sqlite-jdbc on the same disk as the tenant files, with the applier's durability settings (WAL,
 * {@code synchronous=NORMAL}): what one SQLite file can take with nothing in front of it.
 */
public final class SqliteCeiling {
    /** Batched insert throughput and primary-key point-read latency. */
    public record Result(double insertRowsPerSecond, Latency pointRead) {}

    private static final int ROWS_PER_TRANSACTION = 1_000;

    private SqliteCeiling() {}

    public static Result measure(Path file, int rows, int reads) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            }
            insert(c, Math.min(rows, 20_000)); // JIT warm-up; measured rows follow
            long t0 = System.nanoTime();
            insert(c, rows);
            double insertRate = rows / ((System.nanoTime() - t0) / 1e9);
            return new Result(insertRate, pointReads(c, rows, reads));
        }
    }

    private static void insert(Connection c, int rows) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
            for (int i = 0; i < rows; i++) {
                ps.setString(1, "value-" + i);
                ps.addBatch();
                if ((i + 1) % ROWS_PER_TRANSACTION == 0 || i == rows - 1) {
                    ps.executeBatch();
                    c.commit();
                }
            }
        }
        c.setAutoCommit(true);
    }

    private static Latency pointReads(Connection c, int maxId, int reads) throws SQLException {
        Histogram h = Latency.histogram();
        SplittableRandom random = new SplittableRandom(42);
        long start = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
            for (int i = 0; i < reads; i++) {
                long t0 = System.nanoTime();
                ps.setLong(1, 1 + random.nextInt(maxId));
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) throw new SQLException("row missing");
                    rs.getString(1);
                }
                Latency.record(h, System.nanoTime() - t0);
            }
        }
        return Latency.of(h, (System.nanoTime() - start) / 1e9);
    }
}
