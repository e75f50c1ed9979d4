package io.cairn.topics.seal;

/**
 * Where the edge and the applier find a tenant's data keys (unwrapped from the key vault, cached for a
 * bounded time). Implementations are thread-safe.
 *
 * <p>Contract: {@link #key} returns the key a tenant's record or snapshot names, or throws
 * {@link KeyErasedException} when the vault no longer holds it (the tenant was deleted: its data is
 * erased, permanently), or {@link KeyUnavailableException} when the vault or the key encryption key
 * cannot be reached right now (retry later; nothing is lost).
 */
public interface Keyring {
    /** The data key {@code keyId} of {@code tenant}. */
    DataKey key(String tenant, String keyId);

    /** For a process without encryption: any sealed record it meets cannot be read, and says why. */
    Keyring NONE = (tenant, keyId) -> {
        throw new KeyUnavailableException("tenant " + tenant + ": a record is sealed with data key " + keyId
                + ", but this process has no key vault configured (encryption in cairn.yaml)", null);
    };
}
