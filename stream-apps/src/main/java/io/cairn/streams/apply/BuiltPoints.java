package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.TenantFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The past points one build made, kept for the builds nested in it ({@link PastContent}): a tenant's content
 * right after a record is the same whoever builds it, so a restore met again deeper in the recursion is
 * copied, not built again. Without it a point behind k restores in place, with no snapshot between them,
 * was built 2^k times (each restore's build replays the earlier restores, each of those theirs).
 *
 * <p>Scoped to one top-level build: {@link #close()} removes its directory, so no content (a deleted
 * tenant's included) outlives the build that made it. Thread-safe.
 */
final class BuiltPoints implements AutoCloseable {
    private final Path dir;
    /** Per point, the copy of its file; null when the tenant did not exist there. */
    private final Map<String, Path> built = new HashMap<>();

    BuiltPoints(Path dir) {
        this.dir = dir;
    }

    /**
     * Places the content built before for this point as {@code tenant}'s file under {@code scratchHotDir}:
     * null when it was not built in this scope, else whether the tenant existed there (no file placed if not).
     */
    synchronized Boolean place(String tenant, int partition, long createdOffset, long lastOffset, Path scratchHotDir) {
        String key = key(tenant, partition, createdOffset, lastOffset);
        if (!built.containsKey(key)) return null;
        Path copy = built.get(key);
        if (copy == null) return false;
        TenantFiles target = new TenantFiles(scratchHotDir);
        target.prepare(tenant);
        copyWithWal(copy, target.database(tenant));
        return true;
    }

    /** Keeps a copy of the content just built for this point ({@code file}; null: the tenant did not exist). */
    synchronized void remember(String tenant, int partition, long createdOffset, long lastOffset, Path file) {
        String key = key(tenant, partition, createdOffset, lastOffset);
        if (file == null) {
            built.put(key, null);
            return;
        }
        Path copy = dir.resolve(built.size() + ".db");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        copyWithWal(file, copy);
        built.put(key, copy);
    }

    private static String key(String tenant, int partition, long createdOffset, long lastOffset) {
        return tenant + '/' + partition + ':' + lastOffset + '/' + createdOffset;
    }

    /** The database file and, when there is one, its {@code -wal} (which may hold committed pages). */
    private static void copyWithWal(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
            Path wal = Path.of(from + "-wal");
            Path toWal = Path.of(to + "-wal");
            if (Files.exists(wal)) {
                Files.copy(wal, toWal, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(toWal);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the content built for a past point", e);
        }
    }

    @Override
    public synchronized void close() {
        built.clear();
        TenantRecovery.deleteTree(dir);
    }
}
