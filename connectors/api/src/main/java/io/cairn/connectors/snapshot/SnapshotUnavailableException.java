package io.cairn.connectors.snapshot;

/** The store could not be reached or answered with a transient error; retry with backoff. */
public final class SnapshotUnavailableException extends SnapshotStoreException {
    public SnapshotUnavailableException(String operation, String tenant, long offset, String message, Throwable cause) {
        super(operation, tenant, offset, message, cause);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
