package io.cairn.connectors.keys;

import java.util.List;
import java.util.Optional;

/**
 * Where tenants' wrapped data keys live: the one place a key can be destroyed, which is what makes a
 * deleted tenant's log records and snapshots unreadable (crypto-shredding). Shared by every edge and
 * applier of a deployment (a directory on the hot volume, a DynamoDB table).
 *
 * <p>Contract: {@link #put} stores a new key durably before returning and never replaces an existing id
 * of the tenant ({@link IllegalStateException}); {@link #get} returns exactly what was put until
 * {@link #destroy}, after which the key is gone for good ({@link #get} empty, {@link #list} without
 * it); destroying is idempotent and touches no other key or tenant; {@link #replace} swaps the wrap of
 * an existing key (re-wrapping under a new KEK version) and refuses a destroyed one. Tenant ids are
 * valid ({@code TenantId}). Thread-safe; an unreachable backend throws
 * {@link io.cairn.topics.seal.KeyUnavailableException}.
 */
public interface DataKeyVault {
    void put(String tenant, WrappedKey key);

    Optional<WrappedKey> get(String tenant, String keyId);

    /** The tenant's keys, oldest first. */
    List<WrappedKey> list(String tenant);

    /** Every tenant with at least one key (for re-wrapping after a KEK rotation). */
    List<String> tenants();

    /** Replaces the wrap of an existing key; returns false when the key does not exist (destroyed). */
    boolean replace(String tenant, WrappedKey key);

    /** Destroys the key: from now on nothing it sealed can be read. Idempotent. */
    void destroy(String tenant, String keyId);
}
