package io.cairn.connectors.metadata;

import io.cairn.topics.avro.Tier;
import java.time.LocalDate;
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

    /**
     * Creates the tables and indexes if missing and waits until they are usable. Idempotent.
     *
     * @return true when this store made them (in this call or an earlier one): it held nothing, so the view it keeps
     *     is to be built again from the log (the materializer then reads its topics from their beginning)
     */
    boolean createTablesIfMissing();

    /**
     * Stores {@code state} if its applied offset is greater than the stored one's (or none is
     * stored). Its last access becomes the later of the stored and the given one. Returns
     * {@link UpsertOutcome#STALE} for an older or equal offset, so a replay is a no-op.
     *
     * <p>Its {@link TenantRecord#writes() write counts} go to the tenant's usage: the totals, and each
     * day it carries, replace the stored ones when this state is newer than the state that stored them
     * (a day or total is never set back by an older state, even when the tenant record itself is newer).
     */
    UpsertOutcome upsert(TenantRecord state);

    /** Moves the tenant's last access forward to {@code accessMs}; false if unknown or not later. */
    boolean recordAccess(String tenant, long accessMs);

    /** The stored state, read consistently (sees every write that returned before the call). */
    Optional<TenantRecord> get(String tenant);

    /** Deletes the tenant and all of its API keys (not its usage); false if the tenant was not stored. Idempotent. */
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
     * Adds the report's counts to its tenant's usage on the report's day and in the totals, once: when
     * a report of the same tenant, life and source with this {@code seq} or a higher one was added before,
     * nothing changes and the result is false. Callers add a source's reports of a tenant in seq order.
     * Usage is kept apart from the tenant's record: it may arrive before the record, and it stays after
     * the tenant is deleted (billing needs it). It is kept per {@link AccessReport#life() life}.
     */
    boolean addUsage(AccessReport report);

    /**
     * The usage of one life of the tenant ({@code life}: its creation offset, -1 unknown): totals over every
     * report of that life and the life's latest write counts, storage from its stored state (0 when none), and
     * per-day figures for the days from {@code from} to {@code to} inclusive that have any. An earlier tenant of
     * that name, deleted since, is another life: none of its usage is in it. All zeros for a life nothing is
     * known of.
     */
    UsageReport usage(String tenant, long life, LocalDate from, LocalDate to);

    /**
     * A page of the tenants matching {@code query}, at most {@code limit} (1 to 1,000), read through
     * indexes (never a scan of the table). Start with a null cursor and follow {@link TenantPage#nextCursor()}
     * until it is null; a page may be short, or empty, before the end. With no concurrent changes every
     * matching tenant appears exactly once; order is unspecified. A cursor that this store did not
     * return is an {@link IllegalArgumentException}.
     */
    TenantPage listTenants(TenantQuery query, int limit, String cursor);

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
