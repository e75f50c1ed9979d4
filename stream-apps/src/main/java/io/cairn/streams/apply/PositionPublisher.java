package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.CopyPositions;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes how far one partition task has applied ({@link CopyPositions}): the offset below which every
 * record is committed to its tenant's file, but for the tenants whose records still wait in the heavy lane
 * or for a thaw. A tenant that gains such records is added at the next publish (before the offset can pass
 * them); tenants that are done are removed lazily, at most every {@link #SWEEP_MS} (a superset is safe: a
 * strong read of such a tenant only waits a little longer). So a fleet run of thousands of tenants in the
 * heavy lane costs each publish only the tenants that joined since the last. Written only when something
 * changed. A failed write (a full volume, the file out of reach) is tried again after a pause that doubles from
 * {@link #FIRST_RETRY_MS} to {@link #MAX_RETRY_MS}, not at every punctuation (one a millisecond), and logged once
 * when it starts, at most every {@link #LOG_EVERY_MS} while it lasts, and once when a write succeeds again: the
 * positions are advisory, never a tenant's data, and a flood of warnings on a full disk fills the next one.
 * Confined to the task's stream thread.
 */
final class PositionPublisher {
    private static final Logger log = LoggerFactory.getLogger(PositionPublisher.class);
    /** How often tenants done with their waiting records are taken off the published list. */
    static final long SWEEP_MS = 100;
    static final long FIRST_RETRY_MS = 10;
    static final long MAX_RETRY_MS = 1_000;
    static final long LOG_EVERY_MS = 30_000;

    /** The tenants the published position excludes. */
    interface Pending {
        /** Tenants that gained records to wait for since the last call (each call drains them). */
        Collection<String> joined();

        /** Every tenant with records to wait for now. */
        Set<String> all();
    }

    private final Supplier<CopyPositions> positions;
    private final int partition;
    private final Pending pending;
    private long publishedOffset = -1;
    /** The writer's {@link CopyPositions#generation} at this partition's last publish. */
    private long publishedGeneration;
    private long lastSweep;
    /** Null until the first publish of this task, which replaces whatever a previous owner left. */
    private Set<String> publishedTenants;
    /** Joiners drained but not yet written (a failed write keeps them for the next). */
    private final Set<String> unwritten = new HashSet<>();
    private final LongSupplier clockMillis;
    /** Writes failed in a row; the next is not tried before {@link #retryAt}. */
    private long failures;
    private long retryAt;
    private long lastFailureLog;

    PositionPublisher(Supplier<CopyPositions> positions, int partition, Pending pending) {
        this(positions, partition, pending, System::currentTimeMillis);
    }

    PositionPublisher(Supplier<CopyPositions> positions, int partition, Pending pending, LongSupplier clockMillis) {
        this.positions = positions;
        this.partition = partition;
        this.pending = pending;
        this.clockMillis = clockMillis;
    }

    /**
     * At the task's start, once the heavy lane recovered its deferred records: the pending tenants as they are now
     * replace the ones a previous owner left, while the offset it published stays (the files and the deferred rows
     * hold it; the published offset never moves back). Without this, a partition that got no record after a restart
     * kept listing tenants whose records were applied since, and bounded reads passed that copy over for good.
     */
    void resume() {
        publish(0);
    }

    /** Records that every record below {@code nextOffset} is applied or pending; no write when nothing changed. */
    void publish(long nextOffset) {
        // Nothing committed by this task yet (no record since its start): the offset stays where it is (it never moves
        // back), but the list still follows the pending tenants. Returning here kept a tenant the heavy lane recovered
        // at the start (a deferred row of a record applied before a kill -9) listed until the partition got a record.
        if (nextOffset < 0) nextOffset = 0;
        unwritten.addAll(pending.joined());
        long now = clockMillis.getAsLong();
        if (failures > 0 && now < retryAt) return;
        CopyPositions writer;
        try {
            writer = positions.get();
        } catch (RuntimeException e) {
            failed(now, "could not open the positions file", e);
            return;
        }
        // A file made again since (it was damaged) holds nothing of this partition: everything is published again.
        boolean first = publishedTenants == null || writer.generation() != publishedGeneration;
        boolean sweep = !first && !publishedTenants.isEmpty() && now - lastSweep >= SWEEP_MS;
        if (!first && !sweep && nextOffset == publishedOffset && unwritten.isEmpty()) return;
        Set<String> added;
        Set<String> removed = new HashSet<>();
        if (first) {
            added = new HashSet<>(pending.all());
            added.addAll(unwritten);
        } else {
            added = new HashSet<>(unwritten);
            added.removeAll(publishedTenants);
            if (sweep) {
                Set<String> now2 = pending.all();
                for (String t : publishedTenants) if (!now2.contains(t) && !unwritten.contains(t)) removed.add(t);
            }
        }
        if (!first && added.isEmpty() && removed.isEmpty() && nextOffset == publishedOffset) {
            unwritten.clear();
            lastSweep = now;
            return;
        }
        try {
            writer.publish(partition, nextOffset, added, removed, first, now);
            publishedGeneration = writer.generation();
            publishedOffset = nextOffset;
            if (first) publishedTenants = new HashSet<>();
            publishedTenants.addAll(added);
            publishedTenants.removeAll(removed);
            unwritten.clear();
            if (sweep || first) lastSweep = now;
            if (failures > 0) log.info("published partition {}'s applied position again, after {} failed tries", partition, failures);
            failures = 0;
        } catch (SQLException | RuntimeException e) {
            failed(now, "could not publish the applied position", e);
        }
    }

    private void failed(long now, String what, Exception e) {
        failures++;
        retryAt = now + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS << Math.min(failures - 1, 20));
        if (failures == 1 || now - lastFailureLog >= LOG_EVERY_MS) {
            lastFailureLog = now;
            log.warn("partition {}: {} (strong reads of it wait until it is; {} failed tries in a row, tried again every {} ms at most): {}",
                    partition, what, failures, MAX_RETRY_MS, e.toString());
        }
    }

    /** Writes failed in a row (0 after a success). */
    long failures() {
        return failures;
    }
}
