package io.cairn.connectors.s3;

import io.cairn.connectors.snapshot.SnapshotCorruptException;
import io.cairn.connectors.snapshot.SnapshotEncoding;
import io.cairn.connectors.snapshot.SnapshotSeal;
import io.cairn.topics.seal.KeyErasedException;
import io.cairn.topics.seal.KeyUnavailableException;
import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.connectors.snapshot.SnapshotKeys;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.connectors.snapshot.SnapshotUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@link SnapshotStore} on S3 (AWS SDK v2). Each object is one zstd frame; its uncompressed size,
 * SHA-256, compressed size and put time are user metadata ({@code x-amz-meta-cairn-*}), checked on
 * every download. The {@link S3Client} is the caller's: build it with timeouts and retries suited to
 * the deployment ({@code forcePathStyle(true)} for s3proxy); this store does not close it.
 *
 * <p>Lookups list the tenant's prefix (keys sort by offset) and then HEAD the chosen object, so a
 * lookup costs one LIST page per 1,000 snapshots plus one HEAD per candidate examined.
 */
public final class S3SnapshotStore implements SnapshotStore {
    static final String META_FORMAT = "cairn-format";
    static final String META_SIZE = "cairn-size";
    static final String META_SHA256 = "cairn-sha256";
    static final String META_STORED_SIZE = "cairn-stored-size";
    static final String META_CREATED_MS = "cairn-created-ms";
    private static final int DELETE_BATCH = 1000;

    private final S3Client s3;
    private final S3SnapshotConfig config;
    private final Clock clock;
    private final SnapshotSeal seal;

    public S3SnapshotStore(S3Client s3, S3SnapshotConfig config, Clock clock) {
        this(s3, config, clock, SnapshotSeal.NONE);
    }

    private S3SnapshotStore(S3Client s3, S3SnapshotConfig config, Clock clock, SnapshotSeal seal) {
        this.s3 = s3;
        this.config = config;
        this.clock = clock;
        this.seal = seal;
    }

    /** The same store sealing what it writes with each tenant's data key (see {@link SnapshotEncoding}). */
    @Override
    public S3SnapshotStore sealedWith(SnapshotSeal seal) {
        return new S3SnapshotStore(s3, config, clock, seal);
    }

    public S3SnapshotStore(S3Client s3, S3SnapshotConfig config) {
        this(s3, config, Clock.systemUTC());
    }

    @Override
    public SnapshotInfo put(String tenant, long offset, InputStream content) {
        return putObject(SnapshotKeys.key(tenant, offset), tenant, offset, content);
    }

    @Override
    public SnapshotInfo putImport(String tenant, String id, InputStream content) {
        return putObject(SnapshotKeys.importKey(tenant, id), tenant, -1, content);
    }

    @Override
    public Optional<SnapshotInfo> downloadImport(String tenant, String id, Path target) {
        return downloadObject(SnapshotKeys.importKey(tenant, id), tenant, -1, target);
    }

    @Override
    public boolean deleteImport(String tenant, String id) {
        String key = SnapshotKeys.importKey(tenant, id);
        try {
            boolean had;
            try {
                s3.headObject(r -> r.bucket(config.bucket()).key(key));
                had = true;
            } catch (RuntimeException e) {
                if (!S3Failures.isMissingObject(e)) throw e;
                had = false;
            }
            s3.deleteObject(r -> r.bucket(config.bucket()).key(key));
            return had;
        } catch (RuntimeException e) {
            throw S3Failures.classify("deleteImport", tenant, -1, e);
        }
    }

    private SnapshotInfo putObject(String key, String tenant, long offset, InputStream content) {
        SnapshotEncoding.Encoded encoded;
        try {
            encoded = SnapshotEncoding.encode(content, config.workDir(), config.compressionLevel(), seal, tenant, key);
        } catch (IOException e) {
            throw new SnapshotStoreException("put", tenant, offset, "cannot compress into " + config.workDir(), e);
        }
        try {
            SnapshotInfo info = new SnapshotInfo(tenant, offset, encoded.sizeBytes(), encoded.sha256(),
                    encoded.storedBytes(), Instant.ofEpochMilli(clock.millis()));
            Map<String, String> metadata = Map.of(META_FORMAT, SnapshotEncoding.FORMAT,
                    META_SIZE, Long.toString(info.sizeBytes()), META_SHA256, info.sha256(),
                    META_STORED_SIZE, Long.toString(info.storedBytes()),
                    META_CREATED_MS, Long.toString(info.createdAt().toEpochMilli()));
            if (encoded.storedBytes() >= config.multipartThresholdBytes()) {
                S3MultipartUpload.upload(s3, config, key, metadata, encoded.file(), encoded.storedBytes());
            } else {
                PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(config.bucket()).key(key)
                        .metadata(metadata).contentType("application/zstd");
                S3Encryption.apply(config, put);
                s3.putObject(put.build(), RequestBody.fromFile(encoded.file()));
            }
            return info;
        } catch (RuntimeException e) {
            throw S3Failures.classify("put", tenant, offset, e);
        } finally {
            SnapshotEncoding.deleteQuietly(encoded.file());
        }
    }

    @Override
    public Optional<SnapshotInfo> latest(String tenant) {
        return newestMatching(tenant, "latest", o -> true, info -> true);
    }

    @Override
    public Optional<SnapshotInfo> atOrBefore(String tenant, long offset) {
        SnapshotKeys.requireOffset(offset);
        return newestMatching(tenant, "atOrBefore", o -> o <= offset, info -> true);
    }

    @Override
    public Optional<SnapshotInfo> atOrBefore(String tenant, Instant time) {
        return newestMatching(tenant, "atOrBeforeTime", o -> true, info -> !info.createdAt().isAfter(time));
    }

    @Override
    public List<SnapshotInfo> list(String tenant) {
        List<SnapshotInfo> all = new ArrayList<>();
        for (long offset : offsets(tenant, "list")) head(tenant, offset).ifPresent(all::add);
        return all;
    }

    @Override
    public List<Long> offsets(String tenant) {
        return offsets(tenant, "list");
    }

    @Override
    public Optional<SnapshotInfo> download(String tenant, long offset, Path target) {
        return downloadObject(SnapshotKeys.key(tenant, offset), tenant, offset, target);
    }

    private Optional<SnapshotInfo> downloadObject(String key, String tenant, long offset, Path target) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(config.bucket()).key(key))) {
            GetObjectResponse response = in.response();
            SnapshotInfo info = toInfo(tenant, offset, response.metadata());
            SnapshotEncoding.decodeVerified(in, response.contentLength(),
                    new SnapshotEncoding.Expected(info.sizeBytes(), info.sha256(), info.storedBytes()), target, tenant, offset, seal, key);
            return Optional.of(info);
        } catch (KeyErasedException | KeyUnavailableException e) {
            throw e; // the key, not the store: erased for good, or the vault is away
        } catch (IOException | RuntimeException e) {
            if (S3Failures.isMissingObject(e)) return Optional.empty();
            throw S3Failures.classify("download", tenant, offset, e);
        }
    }

    @Override
    public boolean delete(String tenant, long offset) {
        String key = SnapshotKeys.key(tenant, offset);
        try {
            boolean had = head(tenant, offset).isPresent();
            s3.deleteObject(r -> r.bucket(config.bucket()).key(key));
            return had;
        } catch (RuntimeException e) {
            throw S3Failures.classify("delete", tenant, offset, e);
        }
    }

    @Override
    public int deleteAll(String tenant) {
        List<ObjectIdentifier> keys = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(config.bucket()).prefix(SnapshotKeys.prefix(tenant))).contents()) {
                keys.add(ObjectIdentifier.builder().key(object.key()).build());
            }
            for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
                List<ObjectIdentifier> batch = keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH));
                DeleteObjectsResponse response = s3.deleteObjects(r -> r.bucket(config.bucket())
                        .delete(Delete.builder().objects(batch).quiet(true).build()));
                if (response.hasErrors() && !response.errors().isEmpty()) {
                    throw new SnapshotUnavailableException("deleteAll", tenant, -1, response.errors().size()
                            + " objects not deleted, first: " + response.errors().getFirst().code(), null);
                }
            }
            return keys.size();
        } catch (RuntimeException e) {
            throw S3Failures.classify("deleteAll", tenant, -1, e);
        }
    }

    /** Walks offsets newest first, HEADing only as far as needed. */
    private Optional<SnapshotInfo> newestMatching(String tenant, String op, Predicate<Long> offsetOk,
            Predicate<SnapshotInfo> infoOk) {
        for (long offset : offsets(tenant, op).reversed()) {
            if (!offsetOk.test(offset)) continue;
            Optional<SnapshotInfo> info = head(tenant, offset);
            if (info.isPresent() && infoOk.test(info.get())) return info;
        }
        return Optional.empty();
    }

    /** Offsets of the tenant's snapshots, ascending (S3 lists keys in lexical order). */
    private List<Long> offsets(String tenant, String op) {
        String prefix = SnapshotKeys.prefix(tenant);
        List<Long> offsets = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(config.bucket()).prefix(prefix)).contents()) {
                OptionalLong offset = SnapshotKeys.parseOffset(object.key());
                if (offset.isPresent()) offsets.add(offset.getAsLong());
            }
        } catch (RuntimeException e) {
            throw S3Failures.classify(op, tenant, -1, e);
        }
        return offsets;
    }

    private Optional<SnapshotInfo> head(String tenant, long offset) {
        String key = SnapshotKeys.key(tenant, offset);
        try {
            HeadObjectResponse head = s3.headObject(r -> r.bucket(config.bucket()).key(key));
            return Optional.of(toInfo(tenant, offset, head.metadata()));
        } catch (RuntimeException e) {
            if (S3Failures.isMissingObject(e)) return Optional.empty();
            throw S3Failures.classify("head", tenant, offset, e);
        }
    }

    private static SnapshotInfo toInfo(String tenant, long offset, Map<String, String> metadata) {
        try {
            return new SnapshotInfo(tenant, offset, Long.parseLong(metadata.get(META_SIZE)), required(metadata, META_SHA256),
                    Long.parseLong(metadata.get(META_STORED_SIZE)),
                    Instant.ofEpochMilli(Long.parseLong(metadata.get(META_CREATED_MS))));
        } catch (RuntimeException e) {
            throw new SnapshotCorruptException("read", tenant, offset, "object lacks Cairn's metadata " + metadata.keySet(), e);
        }
    }

    private static String required(Map<String, String> metadata, String name) {
        String value = metadata.get(name);
        if (value == null) throw new IllegalStateException("missing " + name);
        return value;
    }
}
