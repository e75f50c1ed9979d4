package io.cairn.connectors.metadata;

/** A metadata operation failed; {@link #retriable()} tells a transient failure from a permanent one. */
public class MetadataStoreException extends RuntimeException {
    private final boolean retriable;

    public MetadataStoreException(String message, boolean retriable, Throwable cause) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** True for throttling, timeouts, unreachable endpoints and server errors: retry with backoff. */
    public boolean retriable() {
        return retriable;
    }
}
