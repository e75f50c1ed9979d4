package io.cairn.connectors.metadata;

import io.cairn.topics.TenantId;
import io.cairn.topics.avro.ApiKey;
import java.util.Objects;
import java.util.Set;

/**
 * An API key as stored: never the secret, only its SHA-256, which the edge compares in constant time.
 *
 * @param scopes subset of {@code read}, {@code write}, {@code admin}
 */
public record ApiKeyRecord(String keyId, String tenant, String secretSha256, Set<String> scopes, long createdAtMs,
        boolean revoked) {
    public static final Set<String> KNOWN_SCOPES = Set.of("read", "write", "admin");

    public ApiKeyRecord {
        Objects.requireNonNull(keyId, "keyId");
        TenantId.require(tenant);
        if (secretSha256 == null || !secretSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("secretSha256 must be 64 lower-case hex digits");
        }
        scopes = Set.copyOf(scopes);
        if (!KNOWN_SCOPES.containsAll(scopes)) throw new IllegalArgumentException("unknown scope in " + scopes);
    }

    static ApiKeyRecord from(String tenant, ApiKey key) {
        return new ApiKeyRecord(key.getKeyId(), tenant, key.getSecretSha256(), Set.copyOf(key.getScopes()),
                key.getCreatedAtMs(), key.getRevoked());
    }

    public ApiKeyRecord revoke() {
        return new ApiKeyRecord(keyId, tenant, secretSha256, scopes, createdAtMs, true);
    }
}
