package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's file is replaced while other threads open it: a restore, a heal or a thaw places a whole new
 * file ({@link TenantFiles#install}), a freeze removes it. SQLite opens a database's {@code -wal} and
 * {@code -shm} by name at a connection's first read, not at its open; a connection opened on the old file
 * and reading first after the swap would read the old file's pages through the new file's WAL.
 */
class FileSwapsTest {
    private static final int ROWS = 400;

    @TempDir Path hot;

    /**
     * Each generation of the file holds {@code ROWS} rows of its own number, and one more is committed into
     * its WAL after it is placed (as the applier writes after a restore). Readers open and read as the edge
     * and the snapshotter ({@link ConsistentCopy}) do: every read must see exactly one generation, whole, and no error.
     */
    @Test
    void everyReaderSeesOneWholeFileWhileItIsReplacedUnderThem() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        files.prepare("acme");
        install(files, 0);
        AtomicBoolean swapping = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        AtomicInteger copies = new AtomicInteger();
        try (ExecutorService readers = Executors.newFixedThreadPool(3)) {
            List<Future<?>> running = List.of(readers.submit(() -> read(files, swapping, reads, wrong)),
                    readers.submit(() -> read(files, swapping, reads, wrong)),
                    readers.submit(() -> copy(files, swapping, copies, wrong)));
            try {
                for (int generation = 1; generation <= 150 && wrong.isEmpty(); generation++) install(files, generation);
            } finally {
                swapping.set(false);
            }
            for (Future<?> f : running) f.get();
        }
        assertThat(wrong).isEmpty();
        assertThat(reads.get()).isPositive();
        assertThat(copies.get()).isPositive();
    }

    /**
     * A writable connection closing as its file's last one checkpoints, then deletes {@code -wal} and
     * {@code -shm} by name. While another thread writes and closes connections (as the applier's pool closes
     * idle and evicted ones in the background), each generation is placed and one row committed into its WAL
     * through a connection kept open (as the applier goes on writing after a restore): a new connection must
     * see that row, whatever closed meanwhile.
     */
    @Test
    void aConnectionClosingNeverDeletesTheWalOfTheFilePlacedAfterIt() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        files.prepare("acme");
        install(files, 0);
        AtomicBoolean swapping = new AtomicBoolean(true);
        AtomicInteger closes = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        try (ExecutorService closers = Executors.newFixedThreadPool(2)) {
            List<Future<?>> running = List.of(closers.submit(() -> writeAndClose(files, swapping, closes, wrong)),
                    closers.submit(() -> writeAndClose(files, swapping, closes, wrong)));
            try {
                for (int g = 1; g <= 200 && wrong.isEmpty(); g++) {
                    install(files, g, () -> {
                        try (TenantConnection fresh = SqliteConnections.openReadOnly("acme", files.database("acme"), SqliteLimits.READ_DEFAULTS);
                             Statement s = fresh.connection().createStatement();
                             ResultSet rs = s.executeQuery("SELECT count(*) FROM t WHERE pad IS NULL")) {
                            rs.next();
                            return rs.getLong(1) == 1 ? null : "the row committed after the swap is gone";
                        } catch (SQLException e) {
                            return e.toString();
                        }
                    }, wrong);
                }
            } finally {
                swapping.set(false);
            }
            for (Future<?> f : running) f.get();
        }
        assertThat(wrong).isEmpty();
        assertThat(closes.get()).isPositive();
    }

    /** Places generation {@code g}, commits a marker row through a connection kept open, and checks it from a new one. */
    private void install(TenantFiles files, int g, java.util.function.Supplier<String> check, ConcurrentLinkedQueue<String> wrong)
            throws Exception {
        place(files, g);
        try (TenantConnection kept = SqliteConnections.openWritable("acme", files.database("acme"), SqliteLimits.WRITE_DEFAULTS);
             Statement s = kept.connection().createStatement()) {
            s.execute("INSERT INTO t VALUES (" + g + ", NULL)");
            for (int i = 0; i < 20 && wrong.isEmpty(); i++) {
                String problem = check.get();
                if (problem != null) wrong.add("generation " + g + ": " + problem);
            }
        }
    }

    /** Opens the tenant's file, writes enough that closing it has pages to checkpoint, and closes it. */
    private static void writeAndClose(TenantFiles files, AtomicBoolean swapping, AtomicInteger closes, ConcurrentLinkedQueue<String> wrong) {
        while (swapping.get() && wrong.isEmpty()) {
            try (TenantConnection c = SqliteConnections.openWritable("acme", files.database("acme"), SqliteLimits.WRITE_DEFAULTS);
                 Statement s = c.connection().createStatement()) {
                s.execute("UPDATE t SET pad = randomblob(600) WHERE rowid % 4 = 0 AND pad IS NOT NULL");
            } catch (SQLException e) {
                if (!e.getMessage().contains("locked") && !e.getMessage().contains("busy")) wrong.add("writer: " + e);
            }
            closes.incrementAndGet();
        }
    }

    /** Places generation {@code g} as the tenant's file, then commits one more row of it into its WAL. */
    private void install(TenantFiles files, int g) throws Exception {
        place(files, g);
        try (TenantConnection c = SqliteConnections.openWritable("acme", files.database("acme"), SqliteLimits.WRITE_DEFAULTS);
             Statement s = c.connection().createStatement()) {
            s.execute("INSERT INTO t VALUES (" + g + ", randomblob(3000))");
            s.execute("UPDATE t SET pad = randomblob(300) WHERE rowid % 50 = 0");
        }
    }

    /** Makes generation {@code g} ({@code ROWS} rows of it) in a scratch file and places it as the tenant's file. */
    private void place(TenantFiles files, int g) throws Exception {
        Path scratch = files.scratchFile("acme");
        java.nio.file.Files.createDirectories(scratch.getParent());
        try (TenantConnection c = SqliteConnections.openWritable("acme", scratch, SqliteLimits.WRITE_DEFAULTS);
             Statement s = c.connection().createStatement()) {
            TenantSchema.create(c.connection());
            s.execute("INSERT INTO _cairn_applied (id, log_partition, log_offset) VALUES (0, 0, " + g + ")");
            s.execute("CREATE TABLE t(g INTEGER, pad BLOB)");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + ROWS + ")"
                    + " INSERT INTO t SELECT " + g + ", randomblob(200 + " + g + " % 7 * 100) FROM n");
        }
        files.install("acme", scratch);
    }

    private static void read(TenantFiles files, AtomicBoolean swapping, AtomicInteger reads, ConcurrentLinkedQueue<String> wrong) {
        while (swapping.get() && wrong.isEmpty()) {
            try (TenantConnection c = SqliteConnections.openReadOnly("acme", files.database("acme"), SqliteLimits.READ_DEFAULTS);
                 Statement s = c.connection().createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), min(g), max(g), sum(length(pad)) > 0 FROM t")) {
                rs.next();
                long count = rs.getLong(1);
                if (rs.getLong(2) != rs.getLong(3) || (count != ROWS && count != ROWS + 1)) {
                    wrong.add(count + " rows of generations " + rs.getLong(2) + " to " + rs.getLong(3));
                }
                reads.incrementAndGet();
            } catch (SQLException e) {
                wrong.add(e.toString());
            }
        }
    }

    /** Copies the file as the snapshotter does, and reads the copy: one generation, whole. */
    private void copy(TenantFiles files, AtomicBoolean swapping, AtomicInteger copies, ConcurrentLinkedQueue<String> wrong) {
        while (swapping.get() && wrong.isEmpty()) {
            Path target = files.snapshotScratch("acme");
            try {
                ConsistentCopy.take(files.database("acme"), target);
                try (TenantConnection c = SqliteConnections.openReadOnly("acme", target, SqliteLimits.READ_DEFAULTS);
                     Statement s = c.connection().createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*), min(g), max(g) FROM t")) {
                    rs.next();
                    if (rs.getLong(2) != rs.getLong(3)) wrong.add("a copy of " + rs.getLong(1) + " rows of generations " + rs.getLong(2) + " to " + rs.getLong(3));
                }
                copies.incrementAndGet();
            } catch (Exception e) {
                wrong.add("copy: " + e);
            } finally {
                try {
                    java.nio.file.Files.deleteIfExists(target);
                } catch (java.io.IOException ignored) {
                    // the temporary directory goes with the test
                }
            }
        }
    }

    /**
     * Another process on the volume (an edge of its own) is not held by this process's lock: a file that another
     * process replaced between the open and the first read is noticed (the path names another file after the
     * read than before the open), and the connection is opened again, on the new file.
     */
    @Test
    void aConnectionThatRacedAnotherProcesssReplacementIsOpenedAgain() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        files.prepare("acme");
        install(files, 1);
        Path next = files.scratchFile("acme");
        java.nio.file.Files.copy(files.database("acme"), next);
        try (TenantConnection c = SqliteConnections.openWritable("acme", next, SqliteLimits.WRITE_DEFAULTS);
             Statement s = c.connection().createStatement()) {
            s.execute("UPDATE t SET g = 2");
        }
        AtomicInteger opens = new AtomicInteger();
        try (java.sql.Connection c = FileSwaps.open(files.database("acme"), () -> {
                java.sql.Connection opened = java.sql.DriverManager.getConnection("jdbc:sqlite:" + files.database("acme"));
                if (opens.incrementAndGet() == 1) {
                    try { // what another process's install does, between this open and its first read
                        for (Path side : files.sideFiles("acme")) java.nio.file.Files.deleteIfExists(side);
                        java.nio.file.Files.move(next, files.database("acme"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
                opened.createStatement().executeQuery("PRAGMA schema_version").close();
                return opened;
            });
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT min(g), max(g) FROM t")) {
            rs.next();
            assertThat(opens.get()).isEqualTo(2);
            assertThat(rs.getLong(1)).isEqualTo(2);
            assertThat(rs.getLong(2)).isEqualTo(2);
        }
    }
}
