package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a deleted tenant's snapshots from the store: nothing builds from them any more (a restore or fork of
 * a deleted tenant is refused, a tenant created again under the id never sees them, a rebuild ends with the
 * tenant deleted), so they would only cost storage for ever, and in clear where encryption is off. Only
 * snapshots at offsets before the delete go: a tenant created again under the same id snapshots at later
 * offsets, so a purge run late (a lagging copy, a restart) never touches the new life's. Imports stay: their
 * keys carry no offset (with encryption they are sealed with the erased keys).
 *
 * <p>A snapshot stored while its tenant was being deleted (its copy taken just before) is caught by
 * {@link #ofDeletedLife}: the delete's tombstone is on the hot volume before the purge is asked for. Thread-safe.
 */
final class SnapshotPurge {
    private static final Logger log = LoggerFactory.getLogger(SnapshotPurge.class);

    private final TenantFiles files;
    private final SnapshotStore store;
    private final Duration retryFor;
    private final Counter purged;
    private final Counter failed;

    SnapshotPurge(TenantFiles files, SnapshotStore store, Duration retryFor, MeterRegistry registry) {
        this.files = files;
        this.store = store;
        this.retryFor = retryFor;
        this.purged = Counter.builder("cairn.snapshots.purged").description("snapshots of deleted tenants removed from the store")
                .register(registry);
        this.failed = Counter.builder("cairn.snapshots.purge.failed").description("purges of a deleted tenant's snapshots given up (store down past retry_for)")
                .register(registry);
    }

    /** Deletes the tenant's snapshots at offsets before {@code deleteOffset}, retrying while the store is unavailable. */
    void run(String tenant, long deleteOffset) throws InterruptedException {
        try {
            StoreRetries.run(tenant, "removing the deleted tenant's snapshots", retryFor, () -> {
                int removed = 0;
                for (long offset : store.offsets(tenant)) {
                    if (offset < deleteOffset && store.delete(tenant, offset)) removed++;
                }
                purged.increment(removed);
                if (removed > 0) log.info("tenant {}: deleted at offset {}; its {} snapshots removed from the store", tenant, deleteOffset, removed);
            });
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            failed.increment();
            log.error("tenant {}: deleted, but its snapshots could not be removed from the store: {}", tenant, e.toString());
        }
    }

    /**
     * Whether a snapshot just stored at {@code offset} belongs to a life of the tenant that has been deleted since
     * its copy was taken; if so it is removed again, and must not be recorded.
     */
    boolean ofDeletedLife(String tenant, long offset) {
        if (files.deletedAt(tenant).orElse(-1) <= offset) return false;
        store.delete(tenant, offset);
        purged.increment();
        return true;
    }
}
