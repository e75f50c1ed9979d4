package io.cairn.streams.apply;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Makes committed tenant writes durable before Kafka is told their records are consumed.
 *
 * <p>Tenant files run WAL with {@code synchronous=NORMAL}: a commit is in the operating system's cache,
 * safe from a process crash but not from a power cut until the WAL is synced. If Kafka recorded the
 * input offset first, a power cut would lose those writes for good (nothing would redeliver them).
 * So before every offset commit (Streams flushes its stores first, see {@link GroupCommitStore}) the
 * WAL of each tenant committed since the last barrier is fsynced, and the directory of each file
 * created since then. One fsync per active tenant per commit interval, instead of one per write
 * ({@code synchronous=FULL}); they run in parallel, which matters on network volumes such as EFS.
 *
 * <p>Confined to its partition's stream thread.
 */
final class DurabilityBarrier {
    private final Set<Path> committed = new LinkedHashSet<>();
    private final Set<Path> createdDirs = new LinkedHashSet<>();

    /** Notes that {@code dbFile} committed a transaction; {@code created} when the file may be new. */
    void committed(Path dbFile, boolean created) {
        committed.add(dbFile);
        if (created) createdDirs.add(dbFile.getParent());
    }

    /** Number of files the next {@link #sync} will force. */
    int pending() {
        return committed.size() + createdDirs.size();
    }

    /**
     * Forces every noted file (its WAL, or the database when there is no WAL) and directory to stable
     * storage. A failure is thrown: the stream thread dies before Kafka commits the offsets, and the
     * records are redelivered.
     */
    void sync() {
        if (pending() == 0) return;
        List<Path> targets = new ArrayList<>(createdDirs);
        for (Path db : committed) {
            Path wal = db.resolveSibling(db.getFileName() + "-wal");
            if (Files.exists(wal)) targets.add(wal);
            if (Files.exists(db)) targets.add(db);
        }
        try (ExecutorService io = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>(targets.size());
            for (Path p : targets) done.add(io.submit(() -> force(p)));
            for (Future<?> f : done) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while syncing tenant files", e);
        } catch (ExecutionException e) {
            throw new UncheckedIOException("could not sync tenant files to disk", asIo(e.getCause()));
        }
        committed.clear();
        createdDirs.clear();
    }

    private static Void force(Path p) throws IOException {
        // fsync works on any descriptor of the file: it flushes the file's (or directory's) dirty data.
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (java.nio.file.NoSuchFileException gone) {
            // Deleted since (a tenant delete, a checkpoint that removed the WAL): nothing left to sync.
        }
        return null;
    }

    private static IOException asIo(Throwable t) {
        return t instanceof IOException io ? io : new IOException(t);
    }
}
