package io.cairn.connectors.snapshot;

/**
 * A snapshot operation failed. Carries the operation, tenant and offset (-1 when not about one
 * snapshot) so logs and callers can tell what failed without parsing the message.
 */
public class SnapshotStoreException extends RuntimeException {
    private final String operation;
    private final String tenant;
    private final long offset;

    public SnapshotStoreException(String operation, String tenant, long offset, String message, Throwable cause) {
        super(operation + " " + tenant + (offset >= 0 ? "@" + offset : "") + ": " + message, cause);
        this.operation = operation;
        this.tenant = tenant;
        this.offset = offset;
    }

    /** True when the same call may succeed later (transient infrastructure failure). */
    public boolean retriable() {
        return false;
    }

    public String operation() {
        return operation;
    }

    public String tenant() {
        return tenant;
    }

    public long offset() {
        return offset;
    }
}
