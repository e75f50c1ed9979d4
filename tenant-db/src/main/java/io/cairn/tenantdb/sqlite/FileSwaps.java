package io.cairn.tenantdb.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps the opening and closing of a database file and the replacing of it apart. SQLite opens a database's
 * {@code -wal} and {@code -shm} by name at a connection's first read, not at its open: a connection opened on
 * a file that is then replaced ({@link TenantFiles#install}, {@link TenantFiles#quarantine}, a removal),
 * reading first after, reads the old file's pages through the new file's WAL and index: wrong rows,
 * {@code SQLITE_CORRUPT}, {@code SQLITE_IOERR_SHORT_READ}. Once a connection has read, it keeps the files it
 * found open: it goes on reading the old content, whole, until it is closed. And a writable connection that
 * closes as its file's last one checks that its file is still in place, checkpoints, and then deletes
 * {@code -wal} and {@code -shm} by name: a replacement between that check and those deletes (the checkpoint
 * syncs: tens of milliseconds) loses the new file's WAL, with its commits, under the connections reading it.
 *
 * <p>In this process a replacement ({@link #swap}) waits for connections between their open and their
 * first read ({@link #open}) and for writable connections closing ({@link #close}), and those wait for it.
 * Another process on the same volume (an edge of its own) is not held by this lock: {@link #open} compares
 * the file the path names before the open and after the first read, and opens again when it changed
 * (only the applier's process replaces files, and only it closes writable connections to them).
 * Thread-safe; the locks are striped by path and never held across anything but an open, a close or a swap.
 */
public final class FileSwaps {
    private static final int STRIPES = 64;
    private static final int ATTEMPTS = 5;
    private static final ReentrantReadWriteLock[] LOCKS = new ReentrantReadWriteLock[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) LOCKS[i] = new ReentrantReadWriteLock();
    }

    private FileSwaps() {}

    /** Something done to a database file's name: a move into place, a move away, a removal. */
    @FunctionalInterface
    public interface Swap<T> {
        T run() throws IOException;
    }

    /** Opens a connection to a database file and reads from it once (so that it holds its {@code -wal} and {@code -shm}). */
    @FunctionalInterface
    public interface Open<C extends AutoCloseable> {
        C open() throws SQLException;
    }

    /** Runs {@code swap} on {@code db} (and its side files) while no connection of this process is opening it. */
    public static <T> T swap(Path db, Swap<T> swap) throws IOException {
        ReentrantReadWriteLock.WriteLock lock = lockOf(db).writeLock();
        lock.lock();
        try {
            return swap.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code open}, which must read from the file once before it returns, and returns its connection
     * when the path named the same file before and after: the connection reads one file with its own WAL.
     * A connection that raced a replacement by another process is closed and opened again.
     */
    public static <C extends AutoCloseable> C open(Path db, Open<C> open) throws SQLException {
        ReentrantReadWriteLock.ReadLock lock = lockOf(db).readLock();
        for (int attempt = 1; ; attempt++) {
            C connection;
            Object before;
            lock.lock();
            try {
                before = fileKey(db);
                try {
                    connection = open.open();
                } catch (SQLException e) {
                    if (attempt < ATTEMPTS && !Objects.equals(before, fileKey(db))) continue; // it failed on a file being replaced
                    throw e;
                }
            } finally {
                lock.unlock();
            }
            // No file before: this open created it (only the applier creates tenant files), nothing was replaced.
            if (before == null || Objects.equals(before, fileKey(db))) return connection;
            closeQuietly(connection);
            if (attempt == ATTEMPTS) {
                throw new SQLException("database " + db.getFileName() + " was replaced " + ATTEMPTS + " times while it was being opened",
                        "08001", 5 /* SQLITE_BUSY: try again */);
            }
        }
    }

    /**
     * Closes {@code connection}, a writable connection to {@code db}, while no swap of {@code db} runs: a
     * last connection's close deletes the side files of whatever file {@code db} names when it ends.
     */
    public static void close(Path db, AutoCloseable connection) throws SQLException {
        ReentrantReadWriteLock.ReadLock lock = lockOf(db).readLock();
        lock.lock();
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException(e);
        } finally {
            lock.unlock();
        }
    }

    /** The file (inode) {@code path} names now; null when there is none. */
    static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static ReentrantReadWriteLock lockOf(Path db) {
        return LOCKS[Math.floorMod(db.toAbsolutePath().normalize().hashCode(), STRIPES)];
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // a connection to a file no longer in place: nothing of it is kept
        }
    }
}
