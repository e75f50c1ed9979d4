package io.cairn.tenantdb.sqlite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A directory of one process's own on local disk, for the copies of tenants' data it makes there (as-of
 * reads' past copies, cold reads' snapshot copies, exports, imports, snapshots being compressed), that a
 * process killed before it could clean up does not leave behind for good.
 *
 * <p>Why: such copies went to {@code java.io.tmpdir} under a fresh random name per process, and were removed
 * only when the process closed them. A process killed (OOM, {@code kill -9}, a node lost) left them there
 * forever, with tenants' data in them, including tenants deleted since, which erasure had promised gone.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #claim} creates {@code <parent>/<prefix><random>/} and holds an OS lock on its {@code owner.lock}
 *   until {@link #close}. Before that it removes every sibling named {@code <prefix>...} whose lock no process
 *   holds: its owner is gone (the OS releases a lock when its process dies, however it died). A sibling whose
 *   lock file is missing is removed once it is older than {@link #CLAIM_GRACE} (a claim killed before it could
 *   lock); a younger one may be a claim in progress and is kept.</li>
 *   <li>Spaces claimed by this JVM are never swept by it (an OS lock belongs to the process, so the JVM's own
 *   lock could not tell them apart, and closing a second channel on the file would drop the first one's lock).</li>
 *   <li>{@link #close} releases the lock and deletes the directory with everything in it. Idempotent.</li>
 *   <li>Thread-safe. A directory that cannot be created, or a lock that cannot be taken, fails the claim with
 *   {@link UncheckedIOException}; what cannot be swept is left for the next claim.</li>
 * </ul>
 */
public final class ScratchSpace implements AutoCloseable {
    /** How long a sibling without a lock file is taken for a claim in progress. */
    public static final Duration CLAIM_GRACE = Duration.ofMinutes(1);
    static final String LOCK_FILE = "owner.lock";
    private static final Set<Path> CLAIMED_HERE = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private ScratchSpace(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** Sweeps the dead owners' spaces under {@code parent} named {@code prefix...}, then claims a new one. */
    public static ScratchSpace claim(Path parent, String prefix) {
        try {
            Files.createDirectories(parent);
            sweep(parent, prefix);
            Path dir = Files.createTempDirectory(parent, prefix).toAbsolutePath().normalize();
            CLAIMED_HERE.add(dir);
            FileChannel channel = null;
            try {
                channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock == null) throw new IOException("another process holds the lock of " + dir + ", just created");
                return new ScratchSpace(dir, channel, lock);
            } catch (IOException | RuntimeException e) {
                if (channel != null) channel.close();
                CLAIMED_HERE.remove(dir);
                TenantFiles.deleteTree(dir);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim a scratch directory under " + parent, e);
        }
    }

    /**
     * Removes the spaces under {@code parent} named {@code prefix...} whose owner is gone (see the class
     * contract) and returns how many it removed.
     */
    public static int sweep(Path parent, String prefix) {
        if (!Files.isDirectory(parent)) return 0;
        int removed = 0;
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path e : entries.toList()) {
                if (!e.getFileName().toString().startsWith(prefix) || !Files.isDirectory(e)) continue;
                if (CLAIMED_HERE.contains(e.toAbsolutePath().normalize())) continue;
                try {
                    if (abandoned(e)) {
                        TenantFiles.deleteTree(e);
                        removed++;
                    }
                } catch (IOException | UncheckedIOException ignored) {
                    // Gone meanwhile, or not ours to read: left for the next claim.
                }
            }
        } catch (IOException e) {
            return removed;
        }
        return removed;
    }

    private static boolean abandoned(Path space) throws IOException {
        Path lockFile = space.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return Files.getLastModifiedTime(space).toInstant().isBefore(Instant.now().minus(CLAIM_GRACE));
        }
        try (FileChannel c = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock probe = c.tryLock();
            if (probe == null) return false; // its owner lives
            probe.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false;
        }
    }

    /** The directory: this process's alone until {@link #close}. */
    public Path dir() {
        return dir;
    }

    /** {@code dir()/name}, created if missing: one concern's part of the space. */
    public Path subdir(String name) {
        try {
            return Files.createDirectories(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // The channel is gone either way; the directory still goes.
        }
        try {
            TenantFiles.deleteTree(dir);
        } finally {
            CLAIMED_HERE.remove(dir);
        }
    }
}
