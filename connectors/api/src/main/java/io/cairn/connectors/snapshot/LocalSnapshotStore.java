package io.cairn.connectors.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Snapshots in a local directory, laid out like the S3 bucket ({@code tenants/{t}/snapshots/{offset}})
 * with a {@code .meta} properties file beside each object holding what S3 keeps as object metadata.
 * For development and tests; same encoding and checks as {@link S3SnapshotStore}.
 *
 * <p>A put renames the object into place before its metadata, and listings only see objects whose
 * metadata exists, so a crash mid-put never shows a half-written snapshot.
 */
public final class LocalSnapshotStore implements SnapshotStore {
    private static final String META_SUFFIX = ".meta";
    private static final int ZSTD_LEVEL = 3;

    private final Path root;
    private final Clock clock;
    private final SnapshotSeal seal;

    public LocalSnapshotStore(Path root, Clock clock) {
        this(root, clock, SnapshotSeal.NONE);
    }

    private LocalSnapshotStore(Path root, Clock clock, SnapshotSeal seal) {
        this.root = root;
        this.clock = clock;
        this.seal = seal;
    }

    /** The same store sealing what it writes with each tenant's data key (see {@link SnapshotEncoding}). */
    @Override
    public LocalSnapshotStore sealedWith(SnapshotSeal seal) {
        return new LocalSnapshotStore(root, clock, seal);
    }

    public LocalSnapshotStore(Path root) {
        this(root, Clock.systemUTC());
    }

    /** Where the stored (compressed) object of a snapshot lives; tests corrupt it on purpose. */
    public Path objectPath(String tenant, long offset) {
        return root.resolve(SnapshotKeys.key(tenant, offset));
    }

    @Override
    public SnapshotInfo put(String tenant, long offset, InputStream content) {
        return putObject(objectPath(tenant, offset), tenant, offset, content);
    }

    /** Where the stored (compressed) object of an import lives. */
    public Path importPath(String tenant, String id) {
        return root.resolve(SnapshotKeys.importKey(tenant, id));
    }

    @Override
    public SnapshotInfo putImport(String tenant, String id, InputStream content) {
        return putObject(importPath(tenant, id), tenant, -1, content);
    }

    @Override
    public Optional<SnapshotInfo> downloadImport(String tenant, String id, Path target) {
        return downloadObject(importPath(tenant, id), tenant, -1, target);
    }

    @Override
    public boolean deleteImport(String tenant, String id) {
        Path object = importPath(tenant, id);
        try {
            boolean had = Files.deleteIfExists(metaPath(object));
            Files.deleteIfExists(object);
            return had;
        } catch (IOException e) {
            throw new SnapshotStoreException("deleteImport", tenant, -1, "cannot delete under " + root, e);
        }
    }

    private SnapshotInfo putObject(Path object, String tenant, long offset, InputStream content) {
        SnapshotEncoding.Encoded encoded = null;
        try {
            Files.createDirectories(object.getParent());
            encoded = SnapshotEncoding.encode(content, object.getParent(), ZSTD_LEVEL, seal, tenant, root.relativize(object).toString());
            SnapshotInfo info = new SnapshotInfo(tenant, offset, encoded.sizeBytes(), encoded.sha256(),
                    encoded.storedBytes(), Instant.ofEpochMilli(clock.millis()));
            Files.deleteIfExists(metaPath(object)); // a replaced object is invisible until its new meta lands
            Files.move(encoded.file(), object, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            writeMeta(object, info);
            return info;
        } catch (IOException e) {
            throw new SnapshotStoreException("put", tenant, offset, "cannot write under " + root, e);
        } finally {
            if (encoded != null) SnapshotEncoding.deleteQuietly(encoded.file());
        }
    }

    @Override
    public Optional<SnapshotInfo> latest(String tenant) {
        List<SnapshotInfo> all = list(tenant);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    @Override
    public Optional<SnapshotInfo> atOrBefore(String tenant, long offset) {
        SnapshotKeys.requireOffset(offset);
        return list(tenant).reversed().stream().filter(s -> s.offset() <= offset).findFirst();
    }

    @Override
    public Optional<SnapshotInfo> atOrBefore(String tenant, Instant time) {
        return list(tenant).reversed().stream().filter(s -> !s.createdAt().isAfter(time)).findFirst();
    }

    @Override
    public List<SnapshotInfo> list(String tenant) {
        List<SnapshotInfo> found = new ArrayList<>();
        for (long offset : offsets(tenant)) readMeta(tenant, offset).ifPresent(found::add);
        return found;
    }

    @Override
    public List<Long> offsets(String tenant) {
        Path dir = root.resolve(SnapshotKeys.prefix(tenant));
        if (!Files.isDirectory(dir)) return List.of();
        List<Long> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path meta : files.filter(p -> p.getFileName().toString().endsWith(META_SUFFIX)).toList()) {
                String name = meta.getFileName().toString();
                OptionalLong offset = SnapshotKeys.parseOffset(name.substring(0, name.length() - META_SUFFIX.length()));
                if (offset.isPresent()) found.add(offset.getAsLong());
            }
        } catch (IOException | UncheckedIOException e) {
            throw new SnapshotUnavailableException("list", tenant, -1, "cannot list " + dir, e);
        }
        found.sort(Comparator.naturalOrder());
        return found;
    }

    @Override
    public Optional<SnapshotInfo> download(String tenant, long offset, Path target) {
        return downloadObject(objectPath(tenant, offset), tenant, offset, target);
    }

    private Optional<SnapshotInfo> downloadObject(Path object, String tenant, long offset, Path target) {
        Optional<SnapshotInfo> info = readMeta(object, tenant, offset);
        if (info.isEmpty()) return Optional.empty();
        SnapshotInfo s = info.get();
        try (InputStream in = Files.newInputStream(object)) {
            SnapshotEncoding.decodeVerified(in, Files.size(object),
                    new SnapshotEncoding.Expected(s.sizeBytes(), s.sha256(), s.storedBytes()), target, tenant, offset, seal,
                    root.relativize(object).toString());
            return info;
        } catch (NoSuchFileException deletedMeanwhile) {
            return Optional.empty();
        } catch (IOException e) {
            throw new SnapshotUnavailableException("download", tenant, offset, "cannot read " + object, e);
        }
    }

    @Override
    public boolean delete(String tenant, long offset) {
        Path object = objectPath(tenant, offset);
        try {
            boolean had = Files.deleteIfExists(metaPath(object)); // meta first: never a listed snapshot without bytes
            Files.deleteIfExists(object);
            return had;
        } catch (IOException e) {
            throw new SnapshotStoreException("delete", tenant, offset, "cannot delete under " + root, e);
        }
    }

    @Override
    public int deleteAll(String tenant) {
        List<SnapshotInfo> all = list(tenant);
        try {
            for (SnapshotInfo s : all) {
                Path object = objectPath(tenant, s.offset());
                Files.deleteIfExists(metaPath(object)); // meta first: never a listed snapshot without bytes
                Files.deleteIfExists(object);
            }
        } catch (IOException e) {
            throw new SnapshotStoreException("deleteAll", tenant, -1, "cannot delete under " + root, e);
        }
        return all.size();
    }

    private Optional<SnapshotInfo> readMeta(String tenant, long offset) {
        return readMeta(objectPath(tenant, offset), tenant, offset);
    }

    private Optional<SnapshotInfo> readMeta(Path object, String tenant, long offset) {
        Path meta = metaPath(object);
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException e) {
            throw new SnapshotUnavailableException("read", tenant, offset, "cannot read " + meta, e);
        }
        try {
            return Optional.of(new SnapshotInfo(tenant, offset, Long.parseLong(p.getProperty("size")),
                    p.getProperty("sha256"), Long.parseLong(p.getProperty("stored-size")),
                    Instant.ofEpochMilli(Long.parseLong(p.getProperty("created-ms")))));
        } catch (RuntimeException e) {
            throw new SnapshotCorruptException("read", tenant, offset, "unreadable metadata " + meta, e);
        }
    }

    private static void writeMeta(Path object, SnapshotInfo info) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", SnapshotEncoding.FORMAT);
        p.setProperty("size", Long.toString(info.sizeBytes()));
        p.setProperty("sha256", info.sha256());
        p.setProperty("stored-size", Long.toString(info.storedBytes()));
        p.setProperty("created-ms", Long.toString(info.createdAt().toEpochMilli()));
        Path tmp = object.resolveSibling(object.getFileName() + META_SUFFIX + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, null);
        }
        Files.move(tmp, metaPath(object), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Path metaPath(Path object) {
        return object.resolveSibling(object.getFileName() + META_SUFFIX);
    }
}
