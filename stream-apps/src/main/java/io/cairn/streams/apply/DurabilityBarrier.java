package io.cairn.streams.apply;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Makes committed tenant writes durable before Kafka is told their records are consumed.
 *
 * <p>Tenant files run WAL with {@code synchronous=NORMAL}: a commit is in the operating system's cache,
 * safe from a process crash but not from a power cut until the WAL is synced. If Kafka recorded the
 * input offset first, a power cut would lose those writes for good (nothing would redeliver them).
 * So before every offset commit (from the hook Streams runs first, see {@link io.cairn.streams.kafka.CommitHookStore})
 * {@link #sync} waits until every tenant committed since the last barrier has had its WAL fsynced, and
 * the directory of every new file.
 *
 * <p>The fsyncs do not wait for the barrier: each commit starts one in the background (at most one
 * running and one more pending per file, however many commits arrive), so the stream thread keeps
 * applying while the disk works, and the barrier usually finds everything already synced. A sync
 * that starts after a commit covers it, which is all the barrier checks.
 *
 * <p>{@link #committed} and {@link #sync} are called from the partition's stream thread only.
 */
final class DurabilityBarrier implements AutoCloseable {
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Path, SyncedFile> files = new HashMap<>();
    private final Set<Path> createdDirs = new LinkedHashSet<>();

    /** Notes that {@code dbFile} committed a transaction and starts syncing it; {@code created} when the file may be new. */
    void committed(Path dbFile, boolean created) {
        files.computeIfAbsent(dbFile, SyncedFile::new).committed(io);
        if (created) createdDirs.add(dbFile.getParent());
    }

    /** Number of files and directories the next {@link #sync} covers. */
    int pending() {
        return files.size() + createdDirs.size();
    }

    /**
     * Returns once everything noted is on stable storage. A failure is thrown: the stream thread dies
     * before Kafka commits the offsets, and the records are redelivered.
     */
    void sync() {
        try {
            for (Path dir : createdDirs) force(dir);
            createdDirs.clear();
            for (Iterator<SyncedFile> it = files.values().iterator(); it.hasNext(); ) {
                it.next().awaitSynced(io);
                it.remove();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not sync tenant files to disk", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while syncing tenant files", e);
        }
    }

    @Override
    public void close() {
        io.shutdown();
    }

    /** One tenant file: how many commits it had, how many a finished fsync covers, and its background fsync. */
    private static final class SyncedFile {
        private final List<Path> targets;
        private long committed;
        private long synced;
        private boolean running;
        private IOException failure;

        SyncedFile(Path db) {
            this.targets = List.of(db.resolveSibling(db.getFileName() + "-wal"), db);
        }

        synchronized void committed(ExecutorService io) {
            committed++;
            if (!running) {
                running = true;
                io.execute(this::syncUntilCaughtUp);
            }
        }

        synchronized void awaitSynced(ExecutorService io) throws IOException, InterruptedException {
            while (synced < committed && failure == null) {
                if (!running) {
                    running = true;
                    io.execute(this::syncUntilCaughtUp);
                }
                wait();
            }
            if (failure != null) throw failure;
        }

        private void syncUntilCaughtUp() {
            while (true) {
                long target;
                synchronized (this) {
                    target = committed;
                }
                try {
                    for (Path p : targets) force(p);
                } catch (IOException e) {
                    synchronized (this) {
                        failure = e;
                        running = false;
                        notifyAll();
                    }
                    return;
                }
                synchronized (this) {
                    synced = Math.max(synced, target);
                    if (committed == target) {
                        running = false;
                        notifyAll();
                        return;
                    }
                }
            }
        }
    }

    private static void force(Path p) throws IOException {
        // fsync works on any descriptor of the file: it flushes the file's (or directory's) dirty data.
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (NoSuchFileException gone) {
            // No WAL (checkpointed away) or the tenant deleted since: nothing of it left to sync.
        }
    }
}
