package io.cairn.tenantdb.sqlite;

import io.cairn.topics.Sha256;
import io.cairn.topics.TenantId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The only place that maps a tenant id to a path on the hot volume. Every id is validated here, so no
 * request can name a file outside {@code <hot>/tenants}. Files are spread over 256 sub-directories
 * (first byte of the id's SHA-256) so that a million tenants do not share one directory.
 *
 * <p>Layout for tenant {@code acme}: {@code <hot>/tenants/<xx>/acme.db} (plus SQLite's {@code -wal}
 * and {@code -shm}), and after a delete {@code <hot>/tenants/<xx>/acme.deleted}, a tombstone holding
 * the log offset of the delete so that a redelivered older record cannot resurrect the tenant. The
 * tombstone stays when the tenant is created again: records after that carry higher offsets.
 *
 * <p>Beside {@code tenants/}, the hot volume holds the applier's tenant registry
 * ({@code cairn-tenants.db}), {@code quarantine/} (damaged files kept aside for inspection) and
 * {@code recovery/} (scratch directories where tenants are rebuilt before they are moved into place).
 *
 * <p>Thread-safe: it holds no state but the root.
 */
public final class TenantFiles {
    private final Path hot;
    private final Path root;

    public TenantFiles(Path hotDir) {
        this.hot = hotDir.toAbsolutePath().normalize();
        this.root = hot.resolve("tenants");
    }

    /** {@code <hot>/tenants}: the sharded tenant files. */
    public Path root() {
        return root;
    }

    /** {@code <hot>/cairn-tenants.db}: which tenants the log says exist (see the applier's TenantRegistry). */
    public Path registryFile() {
        return hot.resolve("cairn-tenants.db");
    }

    /**
     * {@code <hot>/cairn-positions.db}: how far the applier writing this directory has applied each partition
     * ({@link CopyPositions}), which edges read for strong reads and replica lag.
     */
    public Path positionsFile() {
        return hot.resolve("cairn-positions.db");
    }

    /** {@code <hot>/quarantine}: damaged tenant files are moved here, and deleted only with their tenant ({@link #delete}). */
    public Path quarantineDir() {
        return hot.resolve("quarantine");
    }

    /**
     * A fresh scratch hot directory under {@code <hot>/recovery} to rebuild {@code tenant} in. When this hot
     * directory is itself such a scratch directory (a past point being built, whose replay meets a restore that
     * builds another point, and so on), the new one is made beside it in the same {@code recovery/}, not inside
     * it: one directory deeper per level, about 14 levels of restores reached SQLite's 512-byte limit on a
     * path, and the build failed {@code SQLITE_CANTOPEN} every time it was tried (a replica stuck on a tenant).
     */
    public Path scratchDir(String tenant) {
        Path parent = hot.getParent();
        boolean nested = parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("recovery")
                && parent.getParent() != null && Files.isDirectory(parent.getParent().resolve("tenants"));
        return (nested ? parent : hot.resolve("recovery")).resolve(TenantId.require(tenant) + "-" + System.nanoTime());
    }

    /**
     * A fresh file path under {@code <hot>/recovery} (the directory may not exist yet) where a whole file of
     * {@code tenant} is made before {@link #install} moves it into place.
     */
    public Path scratchFile(String tenant) {
        return hot.resolve("recovery").resolve(TenantId.require(tenant) + "-" + System.nanoTime() + ".db");
    }

    /** A fresh path under {@code <hot>/snapshots} for a copy of {@code tenant}'s file on its way to the snapshot store. */
    public Path snapshotScratch(String tenant) {
        return hot.resolve("snapshots").resolve(TenantId.require(tenant) + "-" + System.nanoTime() + ".db");
    }

    /**
     * Removes what a process killed mid-rebuild, mid-thaw or mid-snapshot left under {@code <hot>/recovery}
     * and {@code <hot>/snapshots}: entries last modified before {@code before} (old enough that no live
     * process on the volume can still be writing them). Returns how many entries it removed.
     */
    public int removeScratchOlderThan(Instant before) {
        int removed = 0;
        for (Path dir : List.of(hot.resolve("recovery"), hot.resolve("snapshots"))) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path e : entries.toList()) {
                    if (Files.getLastModifiedTime(e).toInstant().isBefore(before)) {
                        deleteTree(e);
                        removed++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return removed;
    }

    /** Removes {@code dir} and everything under it; nothing when it does not exist. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SQLite side files of the tenant's database that travel with it ({@code -wal}, {@code -shm}). */
    public List<Path> sideFiles(String tenant) {
        Path db = database(tenant);
        return List.of(db.resolveSibling(db.getFileName() + "-wal"), db.resolveSibling(db.getFileName() + "-shm"));
    }

    /** The tenant's database file (which may not exist). Throws {@link IllegalArgumentException} on an invalid id. */
    public Path database(String tenant) {
        return shard(tenant).resolve(TenantId.require(tenant) + ".db");
    }

    /** True when the tenant's database file exists. */
    public boolean exists(String tenant) {
        return Files.exists(database(tenant));
    }

    /** Creates the tenant's shard directory if missing. */
    public void prepare(String tenant) {
        Path shard = shard(tenant);
        // Nearly always there already: a stat, instead of a mkdir that takes the parent's lock and fails.
        if (Files.isDirectory(shard)) return;
        try {
            Files.createDirectories(shard);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates the tenant's database file holding {@code content} (a complete SQLite file, e.g. a prepared
     * template) unless the tenant has a file already, which is never replaced. The content is written
     * beside the volume's scratch files first and linked into place, so the tenant's path holds either
     * nothing or the whole file, and a create racing another finds the other's file intact. Nothing here
     * syncs: the caller's first commit syncs the file and its directory (a new file's durability is its
     * creator's commit, as for a file SQLite creates).
     *
     * @return true when this call created the file
     */
    public boolean createFrom(String tenant, byte[] content) throws IOException {
        prepare(tenant);
        Path db = database(tenant);
        if (Files.exists(db)) return false;
        Path scratch = hot.resolve("recovery").resolve(TenantId.require(tenant) + "-" + System.nanoTime() + ".new");
        if (!Files.isDirectory(scratch.getParent())) Files.createDirectories(scratch.getParent());
        try {
            Files.write(scratch, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.createLink(db, scratch); // fails if the tenant's file appeared meanwhile: never replaces it
            } catch (UnsupportedOperationException noLinks) {
                if (Files.exists(db)) return false;
                Files.move(scratch, db, StandardCopyOption.ATOMIC_MOVE);
            }
            return true;
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            return false;
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /**
     * Deletes the database and its side files, then durably records a tombstone at {@code deleteOffset}.
     * Damaged copies of the tenant set aside in {@link #quarantineDir()} go too: a deleted tenant's data is
     * erased, and a quarantined file holds it in clear. Idempotent.
     */
    public void delete(String tenant, long deleteOffset) {
        Path db = database(tenant);
        try {
            FileSwaps.swap(db, () -> deleteFiles(tenant, deleteOffset));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tombstone first (synced), then the files: a crash between leaves a tombstone and what it says is gone. */
    private Void deleteFiles(String tenant, long deleteOffset) throws IOException {
        Path db = database(tenant);
        Files.createDirectories(db.getParent());
        // Written beside it and renamed over it: readers on other threads (the snapshotter, the heavy lane) see
        // the old offset or the new one, never the empty file a rewrite in place shows for a moment.
        Path tomb = tombstone(tenant);
        Path next = tomb.resolveSibling(tomb.getFileName() + "-next");
        Files.writeString(next, Long.toString(deleteOffset), StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
                StandardOpenOption.SYNC);
        Files.move(next, tomb, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(tomb.getParent());
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
        }
        deleteQuarantined(db.getFileName() + "-");
        return null;
    }

    /** Makes a rename or a new name in {@code dir} durable (fsync of the directory: Linux; a no-op where refused). */
    private static void syncDirectory(Path dir) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some systems refuse to open or sync a directory; the file's own sync stands.
        }
    }

    /** Removes every quarantined file whose name starts with {@code prefix} (a tenant's {@code <id>.db-}: ids hold no '.'). */
    private void deleteQuarantined(String prefix) throws IOException {
        if (!Files.isDirectory(quarantineDir())) return;
        try (var names = Files.list(quarantineDir())) {
            for (Path f : names.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) Files.deleteIfExists(f);
        }
    }

    /**
     * Moves {@code rebuilt} (a complete database file, written elsewhere on the same volume) into place
     * as the tenant's file, replacing any side files of an earlier one.
     */
    public void install(String tenant, Path rebuilt) throws IOException {
        prepare(tenant);
        FileSwaps.swap(database(tenant), () -> {
            for (Path side : sideFiles(tenant)) Files.deleteIfExists(side);
            return Files.move(rebuilt, database(tenant), StandardCopyOption.ATOMIC_MOVE);
        });
    }

    /**
     * Removes the tenant's database and its side files from the hot volume, leaving no tombstone: the
     * tenant went cold and lives on in its snapshot, or a replay left out what it could not build. Idempotent.
     *
     * @return the bytes freed
     */
    public long removeHotCopy(String tenant) {
        Path db = database(tenant);
        try {
            return FileSwaps.swap(db, () -> {
                long freed = 0;
                for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
                    Path f = db.resolveSibling(db.getFileName() + suffix);
                    if (Files.exists(f)) {
                        freed += Files.size(f);
                        Files.deleteIfExists(f);
                    }
                }
                return freed;
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Moves the tenant's database and its side files into {@link #quarantineDir()} (names stamped with
     * the time), so a damaged file is kept for inspection and the tenant can be rebuilt in its place.
     *
     * @return the quarantined database file, or null when there was none
     */
    public Path quarantine(String tenant) throws IOException {
        Path db = database(tenant);
        Path dir = quarantineDir();
        Files.createDirectories(dir);
        String stamp = "-" + System.currentTimeMillis() + "-" + System.nanoTime() % 1_000_000;
        return FileSwaps.swap(db, () -> {
            Path moved = null;
            for (String suffix : List.of("", "-wal", "-shm")) {
                Path f = db.resolveSibling(db.getFileName() + suffix);
                if (!Files.exists(f)) continue;
                Path target = dir.resolve(db.getFileName() + stamp + suffix);
                Files.move(f, target);
                if (suffix.isEmpty()) moved = target;
            }
            return moved;
        });
    }

    /** The offset of the tenant's last delete, if it was ever deleted and not re-created since. */
    public OptionalLong deletedAt(String tenant) {
        Path tomb = tombstone(tenant);
        try {
            if (!Files.exists(tomb)) return OptionalLong.empty();
            return OptionalLong.of(Long.parseLong(Files.readString(tomb, StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("unreadable tombstone " + tomb, e);
        }
    }

    /** Ids of every tenant with a database file, in no particular order. */
    public List<String> list() {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> files = Files.walk(root, 2)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".db"))
                    .map(n -> n.substring(0, n.length() - 3))
                    .filter(TenantId::isValid)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path tombstone(String tenant) {
        return shard(tenant).resolve(TenantId.require(tenant) + ".deleted");
    }

    private Path shard(String tenant) {
        TenantId.require(tenant);
        return root.resolve(HexFormat.of().toHexDigits(Sha256.of(tenant)[0]));
    }
}
