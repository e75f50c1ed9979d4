package io.cairn.tenantdb.sqlite;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The free space where SQLite writes its temporary files: sorts, and the b-trees of {@code DISTINCT} and
 * {@code GROUP BY}, once they outgrow its cache. SQLite looks for that directory in {@code SQLITE_TMPDIR},
 * then {@code TMPDIR}, then {@code /var/tmp}, {@code /usr/tmp}, {@code /tmp}, and so does this class. SQLite
 * caps no statement's temporary files, so a read's clock ({@link StatementDeadline}) also stops the read
 * when this space runs low, before one tenant's reads fill the disk every tenant needs. Sampled at most
 * every 100 ms, however many reads ask. Thread-safe.
 */
public final class TempSpace {
    static final long SAMPLE_NANOS = 100_000_000L;
    private static final TempSpace SQLITE = new TempSpace(directory(System.getenv()));

    private final FileStore store; // null when no directory was found: then never low
    private volatile long nextSample = System.nanoTime();
    private volatile long free = Long.MAX_VALUE;

    TempSpace(Path directory) {
        FileStore found = null;
        try {
            if (directory != null) found = Files.getFileStore(directory);
        } catch (IOException e) {
            // not there (any more): nothing to watch
        }
        this.store = found;
    }

    /** Free bytes where SQLite keeps its temporary files, as last sampled; {@code Long.MAX_VALUE} when unknown. */
    public static long freeBytes() {
        return SQLITE.free();
    }

    /** As {@link #freeBytes()}, sampled now: for the watch of {@link StatementDeadline}, whose every look counts. */
    static long freeBytesNow() {
        return SQLITE.free(true);
    }

    long free() {
        return free(false);
    }

    private long free(boolean now) {
        long at = System.nanoTime();
        if (store != null && (now || at - nextSample >= 0)) {
            nextSample = at + SAMPLE_NANOS;
            try {
                free = store.getUsableSpace();
            } catch (IOException e) {
                free = Long.MAX_VALUE; // cannot tell: stop nothing for it
            }
        }
        return free;
    }

    /** SQLite's temporary directory on Unix, given the process environment: the first that is a directory. */
    static Path directory(Map<String, String> env) {
        for (String candidate : List.of(env.getOrDefault("SQLITE_TMPDIR", ""), env.getOrDefault("TMPDIR", ""), "/var/tmp", "/usr/tmp", "/tmp")) {
            if (!candidate.isEmpty() && Files.isDirectory(Path.of(candidate))) return Path.of(candidate);
        }
        return null;
    }
}
