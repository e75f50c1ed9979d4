package io.cairn.connectors.keys;

import io.cairn.topics.TenantId;
import io.cairn.topics.seal.KeyUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A vault in a directory (on the hot volume, which every edge and applier of a deployment mounts):
 * {@code <dir>/<tenant>/<key id>.key}, one small file per key (kek version, wrapped bytes, creation
 * time), written to a temp file, fsynced and moved into place, so a key is either whole or absent.
 * Destroying deletes the file (and the tenant's directory once empty); the bytes were a wrap, useless
 * without the KEK. Changes to one tenant's keys are serialized (a lock per tenant, striped); different
 * tenants' run at once, so their fsyncs overlap (the file system commits them together) instead of queueing.
 */
public final class LocalDataKeyVault implements DataKeyVault {
    private static final String SUFFIX = ".key";
    private static final int STRIPES = 64;
    private final Path dir;
    private final Object[] locks = new Object[STRIPES];

    public LocalDataKeyVault(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the key vault directory " + dir, e);
        }
        for (int i = 0; i < STRIPES; i++) locks[i] = new Object();
    }

    private Object lock(String tenant) {
        return locks[Math.floorMod(tenant.hashCode(), STRIPES)];
    }

    @Override
    public void put(String tenant, WrappedKey key) {
        Path target = file(tenant, key.keyId());
        synchronized (lock(tenant)) {
            if (Files.exists(target)) throw new IllegalStateException("tenant " + tenant + " already has data key " + key.keyId());
            write(target, key, false);
        }
    }

    @Override
    public boolean replace(String tenant, WrappedKey key) {
        Path target = file(tenant, key.keyId());
        synchronized (lock(tenant)) {
            if (!Files.exists(target)) return false;
            write(target, key, true);
            return true;
        }
    }

    @Override
    public Optional<WrappedKey> get(String tenant, String keyId) {
        try {
            return Optional.of(read(keyId, Files.readString(file(tenant, keyId), StandardCharsets.US_ASCII)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new KeyUnavailableException("cannot read data key " + keyId + " of tenant " + tenant + " in " + dir, e);
        }
    }

    @Override
    public List<WrappedKey> list(String tenant) {
        Path t = dir.resolve(TenantId.require(tenant));
        List<WrappedKey> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(t)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList()) {
                String name = f.getFileName().toString();
                get(tenant, name.substring(0, name.length() - SUFFIX.length())).ifPresent(out::add);
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new KeyUnavailableException("cannot list the data keys of tenant " + tenant + " in " + dir, e);
        }
        out.sort(Comparator.comparingLong(WrappedKey::createdAtMs).thenComparing(WrappedKey::keyId));
        return out;
    }

    @Override
    public List<String> tenants() {
        try (Stream<Path> dirs = Files.list(dir)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(TenantId::isValid).sorted().toList();
        } catch (IOException e) {
            throw new KeyUnavailableException("cannot list the key vault " + dir, e);
        }
    }

    @Override
    public void destroy(String tenant, String keyId) {
        Path f = file(tenant, keyId);
        synchronized (lock(tenant)) {
            destroyFile(tenant, keyId, f);
        }
    }

    private void destroyFile(String tenant, String keyId, Path f) {
        try {
            Files.deleteIfExists(f);
            try (Stream<Path> left = Files.list(f.getParent())) {
                if (left.findAny().isEmpty()) Files.deleteIfExists(f.getParent());
            } catch (NoSuchFileException ignored) {
                // already gone
            }
            fsync(dir);
        } catch (IOException e) {
            throw new KeyUnavailableException("cannot destroy data key " + keyId + " of tenant " + tenant + " in " + dir, e);
        }
    }

    private Path file(String tenant, String keyId) {
        if (!keyId.matches("[A-Za-z0-9_-]{1,64}")) throw new IllegalArgumentException("not a data key id: " + keyId);
        return dir.resolve(TenantId.require(tenant)).resolve(keyId + SUFFIX);
    }

    private void write(Path target, WrappedKey key, boolean replace) {
        String text = "kek " + key.kekVersion() + "\nwrapped " + Base64.getEncoder().encodeToString(key.wrapped()) + "\ncreated "
                + key.createdAtMs() + "\n";
        Path tmp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            boolean newTenant = !Files.isDirectory(target.getParent());
            Files.createDirectories(target.getParent());
            // A tenant's first key also makes its directory: the vault's own entry for it must be durable too.
            if (newTenant) fsync(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            if (replace) {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                try {
                    Files.createLink(target, tmp); // fails if it exists: never replaces a key
                } catch (UnsupportedOperationException e) {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            fsync(target.getParent());
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("data key " + key.keyId() + " already exists", e);
        } catch (AtomicMoveNotSupportedException e) {
            throw new KeyUnavailableException("the key vault's volume cannot move files atomically: " + target.getParent(), e);
        } catch (IOException e) {
            throw new KeyUnavailableException("cannot store data key " + key.keyId() + " in " + target.getParent(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temp file holds only a wrap
            }
        }
    }

    private static WrappedKey read(String keyId, String text) throws IOException {
        String kek = null, wrapped = null;
        long created = -1;
        for (String line : text.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp < 0) continue;
            String v = line.substring(sp + 1).trim();
            switch (line.substring(0, sp)) {
                case "kek" -> kek = v;
                case "wrapped" -> wrapped = v;
                case "created" -> created = Long.parseLong(v);
                default -> { }
            }
        }
        if (kek == null || wrapped == null) throw new IOException("data key file of " + keyId + " is incomplete");
        return new WrappedKey(keyId, kek, Base64.getDecoder().decode(wrapped), created);
    }

    private static void fsync(Path directory) throws IOException {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (NoSuchFileException ignored) {
            // removed meanwhile
        }
    }
}
