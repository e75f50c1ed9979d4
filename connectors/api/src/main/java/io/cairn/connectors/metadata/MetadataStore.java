package io.cairn.connectors.metadata;

import io.cairn.topics.avro.Tier;
import java.util.Optional;

/**
 * Tenant metadata and API keys, materialized from {@code cairn.tenant-state}. The log is the source
 * of truth; this store is a view that can be rebuilt by replaying it, so every write is safe to
 * repeat and older information never replaces newer.
 *
 * <p><b>Threading.</b> Implementations are thread-safe. Concurrent upserts of one tenant resolve by
 * applied offset, whatever their arrival order.
 *
 * <p><b>Ordering rules.</b> A tenant's state only moves forward in applied offset; its last access
 * time only moves forward in time, whether it arrives with a state or through
 * {@link #recordAccess}. Offsets are compared within the tenant's partition (tenants move between
 * partitions only through an explicit, logged operation, which rewrites the state).
 *
 * <p><b>Not found.</b> Reads return {@link Optional#empty()}; {@code recordAccess}, {@code delete} and
 * {@code revokeKey} return false for an unknown tenant or key and create nothing.
 *
 * <p><b>Errors.</b> Infrastructure failures are {@link MetadataStoreException}s with
 * {@link MetadataStoreException#retriable()}; invalid arguments (bad tenant id, page size) are
 * {@link IllegalArgumentException}s. A conditional write that loses is an outcome, not an error.
 */
public interface MetadataStore extends AutoCloseable {

    /** Creates the tables and indexes if missing and waits until they are usable. Idempotent. */
    void createTablesIfMissing();

    /**
     * Stores {@code state} if its applied offset is greater than the stored one's (or none is
     * stored). Its last access becomes the later of the stored and the given one. Returns
     * {@link UpsertOutcome#STALE} for an older or equal offset, so a replay is a no-op.
     */
    UpsertOutcome upsert(TenantRecord state);

    /** Moves the tenant's last access forward to {@code accessMs}; false if unknown or not later. */
    boolean recordAccess(String tenant, long accessMs);

    /** The stored state, read consistently (sees every write that returned before the call). */
    Optional<TenantRecord> get(String tenant);

    /** Deletes the tenant and all of its API keys; false if the tenant was not stored. Idempotent. */
    boolean delete(String tenant);

    /**
     * Tenants of {@code tier} whose last access is strictly before {@code idleBeforeMs}, at most
     * {@code pageSize} per page, through an index (never a scan). Start with a null cursor; follow
     * {@link IdlePage#nextCursor()} until it is null. With no concurrent changes every matching
     * tenant appears exactly once across the pages; order is unspecified. Tenants whose access moves
     * during a walk may be missed or repeated, which the caller tolerates by re-checking the tenant.
     */
    IdlePage idleTenants(Tier tier, long idleBeforeMs, int pageSize, String cursor);

    /**
     * Stores a key. Revocation is sticky: a key that is revoked is never un-revoked, and a key id
     * never moves to another tenant; in both cases nothing is written and the result is false.
     */
    boolean putKey(ApiKeyRecord key);

    /** The key, revoked or not; empty if unknown. */
    Optional<ApiKeyRecord> getKey(String keyId);

    /** Marks the key revoked; true if it exists (also when it already was revoked). */
    boolean revokeKey(String keyId);

    @Override
    default void close() {}
}
