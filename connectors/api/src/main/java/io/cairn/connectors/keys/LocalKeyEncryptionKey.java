package io.cairn.connectors.keys;

import io.cairn.topics.seal.Aes256Gcm;
import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.KeyUnavailableException;
import io.cairn.topics.seal.SealBrokenException;
import io.cairn.topics.seal.Sealing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;

/**
 * A key encryption key kept in a local file ({@code ./cairn dev}, or a file every node mounts): one line
 * per version, {@code local-<n> <base64 AES-256 key>}, the last line current; created (mode 0600) with
 * one version when missing. Rotation appends a version; a version another process added is found by
 * reading the file again. In production prefer KMS: this file is the root of every tenant's data.
 */
public final class LocalKeyEncryptionKey implements KeyEncryptionKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Path file;
    private Map<String, SecretKeySpec> versions = Map.of();
    private String current;

    private LocalKeyEncryptionKey(Path file) {
        this.file = file;
    }

    /** The KEK in {@code file}, created with a first version if it does not exist. */
    public static LocalKeyEncryptionKey open(Path file) {
        LocalKeyEncryptionKey kek = new LocalKeyEncryptionKey(file);
        synchronized (kek) {
            try {
                if (!Files.exists(file)) kek.append("local-1");
                kek.load();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read or create the key encryption key file " + file, e);
            }
        }
        return kek;
    }

    @Override
    public synchronized Wrapped wrap(String tenant, byte[] material) {
        try {
            return new Wrapped(current, Aes256Gcm.seal(versions.get(current), material, aad(tenant)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("wrapping a data key failed", e);
        }
    }

    @Override
    public byte[] unwrap(String tenant, String kekVersion, byte[] wrapped) {
        SecretKeySpec kek = version(kekVersion);
        try {
            return Aes256Gcm.open(kek, wrapped, aad(tenant));
        } catch (GeneralSecurityException e) {
            throw new SealBrokenException("a data key of tenant " + tenant + " does not unwrap under " + kekVersion
                    + ": altered, or wrapped for another tenant");
        }
    }

    @Override
    public synchronized String currentVersion() {
        return current;
    }

    @Override
    public synchronized String rotate() {
        try {
            load(); // another process may have rotated already
            String next = "local-" + (versions.size() + 1);
            append(next);
            load();
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rotate the key encryption key in " + file, e);
        }
    }

    private synchronized SecretKeySpec version(String v) {
        SecretKeySpec kek = versions.get(v);
        if (kek != null) return kek;
        try {
            load();
        } catch (IOException e) {
            throw new KeyUnavailableException("cannot read the key encryption key file " + file, e);
        }
        kek = versions.get(v);
        if (kek == null) throw new KeyUnavailableException("the key encryption key file " + file + " has no version " + v, null);
        return kek;
    }

    private void load() throws IOException {
        Map<String, SecretKeySpec> read = new LinkedHashMap<>();
        String last = null;
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 2) throw new IOException("malformed line in " + file + " (expected: <version> <base64 key>)");
            try {
                byte[] k = Base64.getDecoder().decode(parts[1]);
                if (k.length != DataKey.BYTES) throw new IllegalArgumentException(k.length + " bytes");
                read.put(parts[0], Aes256Gcm.key(k));
            } catch (IllegalArgumentException e) {
                throw new IOException("version " + parts[0] + " in " + file + " is not a base64 AES-256 key", e);
            }
            last = parts[0];
        }
        if (last == null) throw new IOException(file + " holds no key");
        versions = read;
        current = last;
    }

    private void append(String version) throws IOException {
        byte[] key = new byte[DataKey.BYTES];
        RANDOM.nextBytes(key);
        String line = version + " " + Base64.getEncoder().encodeToString(key) + "\n";
        if (!Files.exists(file)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
    }

    private static byte[] aad(String tenant) {
        return Sealing.aad("data-key", tenant, "");
    }
}
