package io.cairn.edge.restore;

import java.nio.file.Path;
import java.sql.SQLException;

/**
 * Builds a tenant's content as it was right after one record of its partition: what as-of reads and
 * exports of a past point read. The process running the edge supplies it (the applier's own replay code,
 * starting from the newest snapshot at or before the point), so a past copy is made exactly like the
 * restore the applier would make.
 *
 * <p>Contract: {@link #build} places the tenant's file, as of right after the record at {@code lastOffset}
 * of {@code partition}, under the empty directory {@code dir} at {@code TenantFiles(dir).database(tenant)},
 * and returns true; it returns false, leaving no file, when the tenant did not exist then (not yet
 * created, or deleted). It throws {@link SQLException} when the point can no longer be built (retention
 * removed records no kept snapshot covers) or the log cannot be read, and {@link ErasedException} when content
 * of the point came from records a delete erased since (a fork of a tenant deleted since, built without the
 * fork's own snapshot): that point can never be built again. {@code createdOffset} is where the
 * record that created the tenant alive at {@code lastOffset} sits on the partition, when the caller knows it
 * (else -1): nothing before it is part of that tenant, so a build need not read the partition's records
 * before it (other tenants' records, or an earlier tenant of the same name). The content is the same either
 * way. Thread-safe: builds into different directories may run at once.
 */
@FunctionalInterface
public interface PastBuilder {
    boolean build(String tenant, int partition, long createdOffset, long lastOffset, Path dir) throws SQLException;

    /** Content of the point came from records whose data keys a delete destroyed since: it can never be built. */
    final class ErasedException extends SQLException {
        private final boolean deleted;

        /** @param deleted whether the tenant's own records were erased (it was deleted), not only a fork's source's */
        public ErasedException(String message, boolean deleted, Throwable cause) {
            super(message, cause);
            this.deleted = deleted;
        }

        /** Whether the tenant itself was deleted (its own records erased), rather than the source of a fork of it. */
        public boolean deleted() {
            return deleted;
        }
    }
}
