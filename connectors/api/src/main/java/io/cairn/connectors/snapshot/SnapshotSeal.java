package io.cairn.connectors.snapshot;

import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.KeyUnavailableException;

/**
 * How a store seals the objects it writes with the tenant's data key, and finds the key a stored object
 * names ({@code io.cairn.connectors.keys.TenantKeys} in a deployment with encryption).
 *
 * <p>Contract: {@link #current} is the key new objects of the tenant are sealed with, null for a tenant
 * without one (stored clear); {@link #key} returns the key an object names or throws
 * {@link io.cairn.topics.seal.KeyErasedException} (the tenant was erased: the object can never be read)
 * or {@link KeyUnavailableException} (retry later).
 */
public interface SnapshotSeal {
    DataKey current(String tenant);

    DataKey key(String tenant, String keyId);

    /** No encryption: objects are stored clear, and a sealed one cannot be read here. */
    SnapshotSeal NONE = new SnapshotSeal() {
        @Override
        public DataKey current(String tenant) {
            return null;
        }

        @Override
        public DataKey key(String tenant, String keyId) {
            throw new KeyUnavailableException("tenant " + tenant + ": a stored object is sealed with data key " + keyId
                    + ", but this process has no key vault configured (encryption in cairn.yaml)", null);
        }
    };
}
