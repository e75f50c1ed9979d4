package io.cairn.connectors.keys;

/**
 * A data key as the vault keeps it: wrapped (encrypted) by a key encryption key, never in clear.
 *
 * @param keyId the data key's id (records and snapshots name it)
 * @param kekVersion which key encryption key wrapped it (a local key file's version, a KMS key's id)
 * @param wrapped the wrapped bytes
 * @param createdAtMs when it was made
 */
public record WrappedKey(String keyId, String kekVersion, byte[] wrapped, long createdAtMs) {
    @Override
    public String toString() {
        return "WrappedKey[" + keyId + " under " + kekVersion + "]";
    }
}
