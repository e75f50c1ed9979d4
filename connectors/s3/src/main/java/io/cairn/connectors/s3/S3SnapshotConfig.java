package io.cairn.connectors.s3;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of {@link S3SnapshotStore}.
 *
 * @param bucket                  bucket holding {@code tenants/{t}/snapshots/{offset}} objects
 * @param multipartThresholdBytes compressed snapshots at least this large are sent as a multipart
 *                                upload (default 16 MiB); smaller ones in one PUT
 * @param partSizeBytes           part size of multipart uploads (default 8 MiB; S3 requires >= 5 MiB)
 * @param encryption              server-side encryption requested on every object (default NONE:
 *                                the bucket's default encryption applies)
 * @param kmsKeyId                KMS key for {@link Encryption#SSE_KMS}; null uses the AWS-managed key
 * @param workDir                 where snapshots are compressed before upload (default: the JVM's
 *                                temp directory)
 * @param compressionLevel        zstd level (default 3: fast, about 3x on SQLite pages)
 */
public record S3SnapshotConfig(String bucket, long multipartThresholdBytes, long partSizeBytes,
        Encryption encryption, String kmsKeyId, Path workDir, int compressionLevel) {

    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    public enum Encryption { NONE, SSE_S3, SSE_KMS }

    public S3SnapshotConfig {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(workDir, "workDir");
        if (partSizeBytes < MIN_PART_SIZE) throw new IllegalArgumentException("partSizeBytes must be >= 5 MiB (S3 minimum)");
        if (multipartThresholdBytes < partSizeBytes) {
            throw new IllegalArgumentException("multipartThresholdBytes must be >= partSizeBytes");
        }
        if (kmsKeyId != null && encryption != Encryption.SSE_KMS) {
            throw new IllegalArgumentException("kmsKeyId is only meaningful with SSE_KMS");
        }
        if (compressionLevel < 1 || compressionLevel > 19) throw new IllegalArgumentException("compressionLevel must be 1..19");
    }

    /** Defaults for {@code bucket}. */
    public static S3SnapshotConfig of(String bucket) {
        return new S3SnapshotConfig(bucket, 16L * 1024 * 1024, 8L * 1024 * 1024, Encryption.NONE, null,
                Path.of(System.getProperty("java.io.tmpdir")), 3);
    }

    public S3SnapshotConfig withMultipart(long thresholdBytes, long partBytes) {
        return new S3SnapshotConfig(bucket, thresholdBytes, partBytes, encryption, kmsKeyId, workDir, compressionLevel);
    }

    /** Snapshots compressed in {@code dir} (a directory of the process's own: a process killed mid-upload leaves its file there). */
    public S3SnapshotConfig withWorkDir(Path dir) {
        return new S3SnapshotConfig(bucket, multipartThresholdBytes, partSizeBytes, encryption, kmsKeyId, dir, compressionLevel);
    }

    public S3SnapshotConfig withEncryption(Encryption encryption, String kmsKeyId) {
        return new S3SnapshotConfig(bucket, multipartThresholdBytes, partSizeBytes, encryption, kmsKeyId, workDir, compressionLevel);
    }
}
