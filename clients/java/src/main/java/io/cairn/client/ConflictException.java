package io.cairn.client;

/**
 * A conditional write ({@code if_unchanged_since}) found the tenant written after its bookmark: nothing of it
 * was applied. Read again from {@link #bookmark()} and retry.
 */
public final class ConflictException extends CairnException {
    public ConflictException(String message, String bookmark) {
        super(409, "conflict", message, null, bookmark);
    }
}
