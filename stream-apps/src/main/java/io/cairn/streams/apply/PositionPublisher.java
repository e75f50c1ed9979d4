package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.CopyPositions;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes how far one partition task has applied ({@link CopyPositions}): the offset below which every
 * record is committed to its tenant's file, but for the tenants whose records still wait in the heavy lane
 * or for a thaw. Written only when something changed, so an idle partition costs nothing. A failed write is
 * logged and tried again at the next change: the positions are advisory (a copy that looks behind makes a
 * strong read wait), never a tenant's data. Confined to the task's stream thread.
 */
final class PositionPublisher {
    private static final Logger log = LoggerFactory.getLogger(PositionPublisher.class);

    /** Where the tenants excluded from the position come from, and a number that changes when they do. */
    interface Pending {
        Set<String> tenants();

        long version();
    }

    private final Supplier<CopyPositions> positions;
    private final int partition;
    private final Pending pending;
    private long publishedOffset = -1;
    private long publishedVersion = Long.MIN_VALUE;
    /** Null until the first publish of this task, which replaces whatever a previous owner left. */
    private Set<String> publishedTenants;

    PositionPublisher(Supplier<CopyPositions> positions, int partition, Pending pending) {
        this.positions = positions;
        this.partition = partition;
        this.pending = pending;
    }

    /** Records that every record below {@code nextOffset} is applied or pending; no write when nothing changed. */
    void publish(long nextOffset) {
        if (nextOffset < 0) return;
        long version = pending.version();
        if (nextOffset == publishedOffset && version == publishedVersion && publishedTenants != null) return;
        Set<String> now = version == publishedVersion && publishedTenants != null ? publishedTenants : pending.tenants();
        Set<String> added = new HashSet<>(now);
        Set<String> removed = new HashSet<>();
        boolean replace = publishedTenants == null;
        if (!replace) {
            added.removeAll(publishedTenants);
            for (String t : publishedTenants) if (!now.contains(t)) removed.add(t);
        }
        try {
            positions.get().publish(partition, nextOffset, added, removed, replace, System.currentTimeMillis());
            publishedOffset = nextOffset;
            publishedVersion = version;
            publishedTenants = Set.copyOf(now);
        } catch (SQLException | RuntimeException e) {
            log.warn("could not publish partition {}'s applied position (strong reads of it wait until it is): {}", partition, e.toString());
        }
    }
}
