package io.cairn.edge.auth;

import java.util.List;
import java.util.Optional;

/**
 * Where the authenticator looks keys up. Implemented by the tenant directory; must be safe to call
 * from many threads and must never block.
 */
public interface KeyStore {
    /** A key as stored: only the hash of its secret. */
    record StoredKey(String tenant, String keyId, String secretSha256, List<String> scopes, boolean revoked) {}

    /** The key with this id, whoever's it is; empty when unknown or its tenant is deleted. */
    Optional<StoredKey> findKey(String keyId);
}
