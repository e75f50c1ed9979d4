package io.cairn.edge.write;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Refuses commands while the hot volume is nearly full ({@link StorageFullException}, 503
 * {@code storage_full}), so that the applier never meets a full disk because of new writes and the
 * embedded broker's log (on the same volume in {@code ./cairn dev}) keeps room: reads go on, nothing is
 * written, and writes are accepted again as soon as space returns. Free space is read at most every
 * 250 ms. Thread-safe.
 */
public final class StorageGuard {
    private static final long RECHECK_NANOS = 250_000_000L;

    private final Path volume;
    private final long minFreeBytes;
    private volatile long checkedAt = System.nanoTime() - 2 * RECHECK_NANOS;
    private volatile long free = Long.MAX_VALUE;

    public StorageGuard(Path volume, long minFreeBytes) {
        this.volume = volume;
        this.minFreeBytes = minFreeBytes;
    }

    /** Throws {@link StorageFullException} when the volume has less than the minimum free. */
    public void requireSpace() {
        if (minFreeBytes == 0) return;
        long now = System.nanoTime();
        if (now - checkedAt > RECHECK_NANOS) {
            free = usable();
            checkedAt = now;
        }
        if (free < minFreeBytes) throw new StorageFullException(free, minFreeBytes);
    }

    /**
     * While writes are refused for want of space, what {@code /health} shows of it ({@code details.storage}:
     * {@code free_bytes}, {@code needed_bytes}); null otherwise, and the detail is left out.
     */
    public java.util.Map<String, Object> refusing() {
        try {
            requireSpace();
            return null;
        } catch (StorageFullException full) {
            return java.util.Map.of("writes", "refused: storage_full", "free_bytes", free, "needed_bytes", minFreeBytes);
        }
    }

    private long usable() {
        try {
            Path p = volume;
            while (p != null && !Files.exists(p)) p = p.getParent();
            if (p == null) return Long.MAX_VALUE;
            FileStore store = Files.getFileStore(p);
            return store.getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // cannot tell: do not refuse writes on a guess
        }
    }

    /** The hot volume is (nearly) full. */
    public static final class StorageFullException extends RuntimeException {
        StorageFullException(long free, long min) {
            super("the storage is full (" + (free >> 20) + " MiB free, writes need " + (min >> 20)
                    + " MiB): nothing was written; reads go on; retry when space is freed", null, false, false);
        }
    }
}
