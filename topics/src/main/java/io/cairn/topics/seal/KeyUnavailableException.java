package io.cairn.topics.seal;

/** The key vault or the key encryption key (KMS) cannot be reached now; the same call may succeed later. */
public final class KeyUnavailableException extends RuntimeException {
    public KeyUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
