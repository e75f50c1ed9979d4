package io.cairn.connectors.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Compressed, checksummed snapshots of tenant databases, one per (tenant, log offset). A snapshot at
 * offset {@code n} holds the tenant's file after the record at {@code n} was applied; recovery opens it
 * and replays the log from {@code n + 1}.
 *
 * <p><b>Threading.</b> Implementations are thread-safe; calls for different tenants, or different
 * offsets of one tenant, may run concurrently. Nothing is cached: every call sees the store as it is.
 *
 * <p><b>Idempotency.</b> A snapshot at an offset is a function of the log up to that offset, so
 * {@link #put put} of the same tenant and offset twice replaces the object with equal content; a
 * retried put is safe. {@link #deleteAll} of a tenant with nothing stored returns 0.
 *
 * <p><b>Not found.</b> Lookups and downloads return {@link Optional#empty()} when no such snapshot
 * exists (unknown tenant, no snapshot at or before the bound, deleted meanwhile); they never throw
 * for absence.
 *
 * <p><b>Errors.</b> Every failure is a {@link SnapshotStoreException}:
 * <ul>
 *   <li>{@link SnapshotUnavailableException} ({@code retriable() == true}): network, timeout,
 *       throttling, server errors. Retry with backoff.</li>
 *   <li>{@link SnapshotCorruptException} ({@code retriable() == false}): the stored bytes do not
 *       match the size and SHA-256 recorded at put time (truncated, flipped, not written by Cairn).
 *       Retrying returns the same bytes; fall back to an older snapshot plus a longer log replay.</li>
 *   <li>plain {@link SnapshotStoreException} ({@code retriable() == false}): configuration or
 *       permission problems (no such bucket, access denied), local disk failures.</li>
 * </ul>
 * Tenant ids are checked with {@link io.cairn.topics.TenantId#require}: an invalid id is an
 * {@link IllegalArgumentException}, as is a negative offset.
 */
public interface SnapshotStore extends AutoCloseable {

    /**
     * Stores the file's bytes as the tenant's snapshot at {@code offset}. Returns once the snapshot is
     * durable and visible to {@link #latest} and {@link #download}. The file is read once and not
     * modified.
     */
    default SnapshotInfo put(String tenant, long offset, Path file) {
        SnapshotKeys.key(tenant, offset); // argument errors before I/O errors
        try (InputStream in = Files.newInputStream(file)) {
            return put(tenant, offset, in);
        } catch (IOException e) {
            throw new SnapshotStoreException("put", tenant, offset, "cannot read " + file, e);
        }
    }

    /**
     * Stores everything {@code content} yields until end of stream; the caller keeps ownership of the
     * stream and closes it. Same guarantees as {@link #put(String, long, Path)}.
     */
    SnapshotInfo put(String tenant, long offset, InputStream content);

    /** The snapshot with the highest offset, or empty if the tenant has none. */
    Optional<SnapshotInfo> latest(String tenant);

    /** The snapshot with the highest offset {@code <= offset}, or empty if there is none. */
    Optional<SnapshotInfo> atOrBefore(String tenant, long offset);

    /**
     * The snapshot with the highest offset among those put no later than {@code time} (by the store's
     * clock at put time), or empty. Serves "what did this tenant look like at 10:42": open it, then
     * replay the log up to 10:42.
     */
    Optional<SnapshotInfo> atOrBefore(String tenant, Instant time);

    /** Every snapshot of the tenant, in ascending offset order; empty list if none. */
    List<SnapshotInfo> list(String tenant);

    /**
     * The offsets of the tenant's snapshots, ascending: the ones {@link #list} gives, found by one listing
     * without reading each one's details (imports are not snapshots and are not among them); empty if none.
     */
    List<Long> offsets(String tenant);

    /**
     * Downloads, decompresses and verifies the snapshot at {@code offset} into {@code target}
     * (replaced if present). {@code target} appears only once size and SHA-256 have matched, by an
     * atomic rename: a failed download leaves no partial file behind. Empty if there is no such
     * snapshot.
     *
     * @throws SnapshotCorruptException if the stored bytes fail verification
     */
    Optional<SnapshotInfo> download(String tenant, long offset, Path target);

    /** Downloads the latest snapshot into {@code target}; see {@link #download}. */
    default Optional<SnapshotInfo> downloadLatest(String tenant, Path target) {
        return latest(tenant).flatMap(info -> download(tenant, info.offset(), target));
    }

    /**
     * Deletes the tenant's snapshot at {@code offset}; true if there was one. Afterwards no lookup
     * returns it. Deleting what is not there is not an error.
     */
    boolean delete(String tenant, long offset);

    /** Deletes every snapshot of the tenant and returns how many there were. */
    int deleteAll(String tenant);

    /**
     * Stores a file brought in from outside (an import) as the tenant's import {@code id}
     * ({@code [A-Za-z0-9-]{1,64}}), under {@link SnapshotKeys#importKey}: compressed and checksummed like a
     * snapshot, never listed among the snapshots, never pruned with them (a log record refers to it for as
     * long as the log is replayed). The returned info's offset is -1. Same guarantees as {@link #put}.
     */
    SnapshotInfo putImport(String tenant, String id, InputStream content);

    /** Downloads and verifies an import into {@code target}, as {@link #download} does a snapshot; empty when there is none. */
    Optional<SnapshotInfo> downloadImport(String tenant, String id, Path target);

    /** Deletes an import; true if there was one. */
    boolean deleteImport(String tenant, String id);

    /** Releases resources the store owns (not clients handed to it). */
    @Override
    default void close() {}

    /**
     * This store over the same storage, sealing what it writes with each tenant's data key and opening
     * sealed objects with {@code seal} (see {@link SnapshotEncoding}).
     */
    SnapshotStore sealedWith(SnapshotSeal seal);
}
