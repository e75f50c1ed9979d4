package io.cairn.topics.seal;

/** A sealed payload does not verify under its key: altered, truncated, or moved from another record. */
public final class SealBrokenException extends RuntimeException {
    public SealBrokenException(String message) {
        super(message);
    }
}
