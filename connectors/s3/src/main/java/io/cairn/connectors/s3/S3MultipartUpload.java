package io.cairn.connectors.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;

/**
 * Uploads a local file as a multipart upload, aborting it on any failure so no orphaned parts keep
 * costing storage. Parts are read from the file per attempt, so SDK retries resend the right bytes.
 */
final class S3MultipartUpload {
    private S3MultipartUpload() {}

    static void upload(S3Client s3, S3SnapshotConfig config, String key, Map<String, String> metadata, Path file,
            long length) {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(config.bucket()).key(key).metadata(metadata);
        S3Encryption.apply(config, create);
        String uploadId = s3.createMultipartUpload(create.build()).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long position = 0; position < length; position += config.partSizeBytes(), number++) {
                long partLength = Math.min(config.partSizeBytes(), length - position);
                final long from = position;
                final int partNumber = number;
                String etag = s3.uploadPart(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId)
                                .partNumber(partNumber).contentLength(partLength),
                        RequestBody.fromContentProvider(() -> slice(file, from, partLength), partLength,
                                "application/zstd")).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            s3.completeMultipartUpload(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (RuntimeException e) {
            try {
                s3.abortMultipartUpload(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId));
            } catch (RuntimeException abortFailed) {
                e.addSuppressed(abortFailed); // a bucket lifecycle rule reaps what is left
            }
            throw e;
        }
    }

    private static InputStream slice(Path file, long from, long length) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ).position(from);
            return new BoundedInputStream(Channels.newInputStream(channel), length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends after {@code remaining} bytes, so a part never reads into the next one. */
    private static final class BoundedInputStream extends java.io.FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) return -1;
            int b = super.read();
            if (b >= 0) remaining--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) return -1;
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) remaining -= n;
            return n;
        }
    }
}
