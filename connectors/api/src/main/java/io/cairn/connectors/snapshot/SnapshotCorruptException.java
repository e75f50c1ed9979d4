package io.cairn.connectors.snapshot;

/**
 * The stored snapshot does not match the size and checksum recorded when it was put. Retrying reads
 * the same bytes, so this is never retriable; recover from an older snapshot and a longer replay.
 */
public final class SnapshotCorruptException extends SnapshotStoreException {
    public SnapshotCorruptException(String operation, String tenant, long offset, String message, Throwable cause) {
        super(operation, tenant, offset, message, cause);
    }
}
