package io.cairn.connectors.snapshot;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.Sealing;
import java.security.GeneralSecurityException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The stored form of a snapshot, shared by every store: one zstd frame (with zstd's own content
 * checksum) of the database file, plus its uncompressed size and SHA-256 kept beside it. Decoding
 * verifies all of them, and tells transport failures (retriable) from bad bytes (corrupt).
 *
 * <p>A tenant with a data key gets its objects sealed: a clear header line {@value #SEALED_MAGIC} and
 * the key's id, then the zstd frame encrypted with Tink's streaming AEAD (AES-GCM-HKDF, 64 KiB
 * segments), bound to the object's key (tenant and offset or import id), so an object cannot be passed
 * off as another. Compression comes first: ciphertext does not compress. Objects sealed with 1 MiB
 * segments before carry the header {@value #SEALED_MAGIC_1MIB} and open as they were sealed.
 */
public final class SnapshotEncoding {
    public static final String FORMAT = "zstd-1";
    /** First bytes of a sealed object (a zstd frame starts with 0x28 0xB5 0x2F 0xFD, never with these). */
    public static final String SEALED_MAGIC = "CAIRN-SEALED-2 ";
    /** The header of objects sealed with 1 MiB segments (read, never written): the same length as {@link #SEALED_MAGIC}. */
    public static final String SEALED_MAGIC_1MIB = "CAIRN-SEALED-1 ";
    private static final int BUFFER = 64 * 1024;

    /** A compressed snapshot in a local temp file, ready to upload; the caller deletes {@code file}. */
    public record Encoded(Path file, long sizeBytes, String sha256, long storedBytes) {}

    /** What was recorded at put time, against which a download is checked. */
    public record Expected(long sizeBytes, String sha256, long storedBytes) {}

    private SnapshotEncoding() {}

    /**
     * Compresses {@code content} into a temp file in {@code workDir}. Compressing before uploading is
     * what lets the size and checksum travel as object metadata, which S3 only accepts up front, and
     * makes the upload replayable when the SDK retries a part.
     */
    public static Encoded encode(InputStream content, Path workDir, int level) throws IOException {
        return encode(content, workDir, level, SnapshotSeal.NONE, null, null);
    }

    /**
     * As {@link #encode(InputStream, Path, int)}, sealed with {@code seal}'s current key of {@code tenant}
     * (clear when it has none), bound to {@code objectKey}.
     */
    public static Encoded encode(InputStream content, Path workDir, int level, SnapshotSeal seal, String tenant, String objectKey)
            throws IOException {
        DataKey key = tenant == null ? null : seal.current(tenant);
        Path tmp = Files.createTempFile(workDir, "snapshot-", ".zst");
        try {
            MessageDigest sha = sha256();
            long size = 0;
            try (OutputStream file = Files.newOutputStream(tmp);
                    ZstdOutputStream zstd = new ZstdOutputStream(sealing(file, key, tenant, objectKey), RecyclingBufferPool.INSTANCE, level)) {
                zstd.setChecksum(true);
                byte[] buf = new byte[BUFFER];
                for (int n; (n = content.read(buf)) != -1; ) {
                    sha.update(buf, 0, n);
                    zstd.write(buf, 0, n);
                    size += n;
                }
            }
            return new Encoded(tmp, size, HexFormat.of().formatHex(sha.digest()), Files.size(tmp));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Decodes {@code stored} into {@code target}, which appears (atomically) only if every check
     * passed. {@code actualStoredBytes} is what the store says it holds (Content-Length, file size):
     * a mismatch with the recorded size is a truncated or padded object, caught before decoding.
     */
    public static void decodeVerified(InputStream stored, long actualStoredBytes, Expected expected, Path target,
            String tenant, long offset) {
        decodeVerified(stored, actualStoredBytes, expected, target, tenant, offset, SnapshotSeal.NONE, null);
    }

    /**
     * As above, for an object that may be sealed: its header names the data key, which {@code seal}
     * finds ({@link io.cairn.topics.seal.KeyErasedException} when the tenant was erased).
     */
    public static void decodeVerified(InputStream stored, long actualStoredBytes, Expected expected, Path target,
            String tenant, long offset, SnapshotSeal seal, String objectKey) {
        String op = "download";
        if (actualStoredBytes != expected.storedBytes()) {
            throw new SnapshotCorruptException(op, tenant, offset, "stored object has " + actualStoredBytes
                    + " bytes, " + expected.storedBytes() + " were written", null);
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".part-" + UUID.randomUUID());
        try {
            long size;
            String sha;
            try (TransportGuard transport = new TransportGuard(stored);
                    InputStream zstd = new ZstdInputStream(opening(transport, seal, tenant, objectKey), RecyclingBufferPool.INSTANCE);
                    OutputStream out = Files.newOutputStream(tmp)) {
                MessageDigest digest = sha256();
                size = 0;
                byte[] buf = new byte[BUFFER];
                for (int n; (n = zstd.read(buf)) != -1; ) {
                    size += n;
                    if (size > expected.sizeBytes()) {
                        // Stop early: a corrupt frame must not fill the disk.
                        throw new SnapshotCorruptException(op, tenant, offset,
                                "decodes to more than the " + expected.sizeBytes() + " bytes written", null);
                    }
                    digest.update(buf, 0, n);
                    writeLocal(out, buf, n);
                }
                sha = HexFormat.of().formatHex(digest.digest());
            }
            if (size != expected.sizeBytes() || !sha.equals(expected.sha256())) {
                throw new SnapshotCorruptException(op, tenant, offset, "decoded " + size + " bytes with SHA-256 "
                        + sha + ", expected " + expected.sizeBytes() + " bytes with " + expected.sha256(), null);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (TransportFailure e) {
            throw new SnapshotUnavailableException(op, tenant, offset, "reading the stored object failed", e.getCause());
        } catch (UncheckedIOException e) {
            throw new SnapshotStoreException(op, tenant, offset, "cannot write " + target, e.getCause());
        } catch (IOException e) {
            // Not the transport, not the local file: the decoder rejected the bytes.
            throw new SnapshotCorruptException(op, tenant, offset, "stored object does not decode: " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static OutputStream sealing(OutputStream file, DataKey key, String tenant, String objectKey) throws IOException {
        if (key == null) return file;
        file.write((SEALED_MAGIC + key.id() + "\n").getBytes(StandardCharsets.US_ASCII));
        try {
            return key.streaming().newEncryptingStream(file, Sealing.aad("object", tenant, objectKey));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot seal with " + key, e);
        }
    }

    /** The stored bytes, opened when they are sealed (the header says so and names the key). */
    private static InputStream opening(InputStream stored, SnapshotSeal seal, String tenant, String objectKey) throws IOException {
        PushbackInputStream in = new PushbackInputStream(stored, SEALED_MAGIC.length());
        byte[] head = in.readNBytes(SEALED_MAGIC.length());
        String magic = new String(head, StandardCharsets.US_ASCII);
        boolean segments1MiB = magic.equals(SEALED_MAGIC_1MIB);
        if (!segments1MiB && !magic.equals(SEALED_MAGIC)) {
            in.unread(head);
            return in;
        }
        StringBuilder keyId = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0 || keyId.length() > 64) throw new IOException("sealed object with a malformed header");
            keyId.append((char) c);
        }
        DataKey key = seal.key(tenant, keyId.toString());
        try {
            return (segments1MiB ? key.streamingWith1MiBSegments() : key.streaming()).newDecryptingStream(in, Sealing.aad("object", tenant, objectKey));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot open with " + key, e);
        }
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    public static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A leftover temp file is harmless; the original error matters more.
        }
    }

    private static void writeLocal(OutputStream out, byte[] buf, int n) {
        try {
            out.write(buf, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Marks read failures of the underlying stream so they are not mistaken for decode errors. */
    private static final class TransportFailure extends IOException {
        TransportFailure(IOException cause) {
            super(cause);
        }
    }

    private static final class TransportGuard extends FilterInputStream {
        TransportGuard(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw new TransportFailure(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new TransportFailure(e);
            } catch (UncheckedIOException e) {
                throw new TransportFailure(e.getCause());
            }
        }
    }
}
