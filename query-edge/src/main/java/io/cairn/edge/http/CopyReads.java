package io.cairn.edge.http;

import io.cairn.edge.error.ApiError;
import io.cairn.edge.json.StatementSpec;
import io.cairn.edge.read.CopyTracker;
import io.cairn.edge.read.QueryResult;
import io.cairn.edge.read.ReadCopy;
import io.cairn.edge.read.ReadLevel;
import io.cairn.edge.read.TenantFileDamaged;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.TenantState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Chooses the copy a read is served from (docs/replicas.md), in the edge's order of preference:
 * <ul>
 * <li><b>strong</b>: the log's end for the tenant's partition is asked of Kafka when the request arrives; the
 *     first copy (in this order) that holds the tenant's records that far serves, as soon as one does: a
 *     linearizable read. A copy ahead on the partition can be behind on the tenant (its heavy lane, a thaw);
 *     the read waits for whichever copy gets there first, never for one chosen up front.
 * <li><b>session</b> (a bookmark): the first copy that already holds the bookmark; else the first copy, waited
 *     for. Bookmarks never go backwards, whichever copy serves.
 * <li><b>eventual</b>: the first copy within {@code max_lag_ms} (any copy without it); none within: 503
 *     {@code replica_lagging}. Within means holding everything the log held {@code max_lag_ms} before the read
 *     arrived, by a look at the log's ends that began by then ({@link CopyTracker#lagBoundMillis}); when the
 *     last look is too old to tell, the read waits for a new one. A copy whose position is within it but where the tenant's own records still
 *     wait behind that position (its heavy lane, a thaw) is not: its file could be any age.
 * </ul>
 * A replica without the tenant's file, or with a damaged one, passes the read on to the next copy; only
 * the primary is repaired through the log and serves cold tenants from their snapshots. At every level a
 * replica serves only once it has applied the tenant's {@code CreateTenant} ({@link CopyTracker#holdsLife}):
 * a replica behind a delete and a create of the same id still had the deleted life's file, and served its
 * rows to the new life's key.
 */
final class CopyReads {
    /** A read's answer and the copy that gave it. */
    record Served(QueryResult result, String copy) {}

    /** The longest a bounded read waits for a new look at the log's ends (one Kafka round trip when it is there). */
    private static final Duration LOOK_AT_MOST = Duration.ofSeconds(1);

    private final EdgeServices s;

    CopyReads(EdgeServices services) {
        this.s = services;
    }

    Served read(String tenant, TenantState state, StatementSpec spec, ReadLevel level, Bookmark atLeast, Duration wait)
            throws InterruptedException {
        CopyTracker tracker = s.copies();
        int partition = state.getPartition();
        List<ReadCopy> copies = new ArrayList<>(tracker.copies());
        long life = state.getCreatedOffset();
        return switch (level.level()) {
            // The log's end at the request is past the tenant's CreateTenant: a copy holding it holds this life.
            case STRONG -> strong(tenant, partition, spec, atLeast, wait, copies, s.logEnds().end(partition));
            case SESSION -> atLeast == null ? eventual(tenant, partition, spec, null, wait, copies, null, life)
                    : session(tenant, partition, spec, atLeast, wait, copies, life);
            case EVENTUAL -> eventual(tenant, partition, spec, atLeast, wait, copies, level.maxLagMs(), life);
        };
    }

    private Served strong(String tenant, int partition, StatementSpec spec, Bookmark atLeast, Duration wait, List<ReadCopy> copies,
            long end) throws InterruptedException {
        CopyTracker tracker = s.copies();
        long deadline = System.nanoTime() + wait.toNanos();
        ReadCopy chosen = tracker.awaitAnyHolds(copies, partition, tenant, end, wait);
        if (chosen == null) {
            StringJoiner at = new StringJoiner(", ");
            for (ReadCopy c : copies) {
                long next = tracker.next(c.name(), partition);
                at.add(c.name() + " at " + partition + ":" + next + (next >= end ? ", the tenant's own records still waiting there (a heavy"
                        + " write, a restore, a thaw)" : ""));
            }
            throw new ApiError(ErrorCode.BOOKMARK_TIMEOUT, "no copy this edge reads had applied the tenant's log to its end at"
                    + " the time of the request (" + partition + ":" + end + ") within " + wait.toMillis()
                    + " ms (" + at + "); retry, or raise timeout_ms (at most 30000)");
        }
        Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
        if (chosen.primary()) return new Served(primary(chosen, tenant, spec, atLeast, left), chosen.name());
        try {
            return new Served(chosen.queries().run(tenant, spec, null, left), chosen.name());
        } catch (TenantFileDamaged e) {
            copies.remove(chosen); // a replica that lost the file: the others still can
            if (copies.isEmpty()) throw lagging("no copy this edge reads has the tenant's file", List.of(), partition);
            return strong(tenant, partition, spec, atLeast, left, copies, end);
        }
    }

    private Served session(String tenant, int partition, StatementSpec spec, Bookmark atLeast, Duration wait, List<ReadCopy> copies,
            long life) throws InterruptedException {
        CopyTracker tracker = s.copies();
        for (ReadCopy c : copies) {
            // The primary waits for the bookmark itself (the directory tells it when); a replica serves only if it holds it now.
            if (c.primary()) return new Served(primary(c, tenant, spec, atLeast, wait), c.name());
            if (!tracker.holdsLife(c, partition, tenant, life) || !tracker.holdsNow(c, partition, tenant, atLeast.offset() + 1)) continue;
            try {
                return new Served(c.queries().run(tenant, spec, null, wait), c.name());
            } catch (TenantFileDamaged e) {
                // the next copy
            }
        }
        ReadCopy first = copies.getFirst(); // replicas only, none there yet: wait for the preferred one
        if (!tracker.awaitHolds(first, partition, tenant, Math.max(atLeast.offset(), life) + 1, wait)) {
            throw new ApiError(ErrorCode.BOOKMARK_TIMEOUT, "copy '" + first.name() + "' had not reached bookmark " + atLeast + " within "
                    + wait.toMillis() + " ms; retry, or raise timeout_ms (at most 30000)");
        }
        try {
            return new Served(first.queries().run(tenant, spec, null, wait), first.name());
        } catch (TenantFileDamaged e) {
            throw lagging("copy '" + first.name() + "' has no usable file of the tenant", List.of(), partition);
        }
    }

    private Served eventual(String tenant, int partition, StatementSpec spec, Bookmark atLeast, Duration wait, List<ReadCopy> copies,
            Long maxLagMs, long life) throws InterruptedException {
        CopyTracker tracker = s.copies();
        long arrived = System.currentTimeMillis();
        List<ReadCopy> tooFar = new ArrayList<>();
        List<ReadCopy> behindOnTenant = new ArrayList<>();
        Served served = eventualOnce(tenant, partition, spec, atLeast, wait, copies, maxLagMs, life, arrived, tooFar, behindOnTenant);
        if (served == null && !tooFar.isEmpty()) {
            // The last look at the log's ends may be up to 100 ms old, and the log may have grown since: a copy holding
            // what it saw is not known to be within the bound. A look begun after the read arrived can tell.
            if (tracker.awaitLookSince(arrived, wait.compareTo(LOOK_AT_MOST) < 0 ? wait : LOOK_AT_MOST)) {
                tooFar.clear();
                behindOnTenant.clear();
                served = eventualOnce(tenant, partition, spec, atLeast, wait, copies, maxLagMs, life, arrived, tooFar, behindOnTenant);
            }
        }
        if (served != null) return served;
        String tenantBehind = behindOnTenant.isEmpty() ? "" : "; on " + behindOnTenant.stream().map(ReadCopy::name)
                .collect(java.util.stream.Collectors.joining(", ")) + " the tenant's own records still wait to be applied (a heavy write, a thaw)";
        throw lagging(maxLagMs == null ? "no copy this edge reads has a usable file of the tenant"
                : "no copy this edge reads is within max_lag_ms=" + maxLagMs + tenantBehind, tooFar, partition);
    }

    /**
     * One pass over the copies for an eventual read that arrived at {@code arrived}: the first that is within the
     * bound serves; null when none did, with those too far behind and those behind on the tenant added to the lists.
     */
    private Served eventualOnce(String tenant, int partition, StatementSpec spec, Bookmark atLeast, Duration wait, List<ReadCopy> copies,
            Long maxLagMs, long life, long arrived, List<ReadCopy> tooFar, List<ReadCopy> behindOnTenant) throws InterruptedException {
        CopyTracker tracker = s.copies();
        for (ReadCopy c : copies) {
            if (maxLagMs != null && tracker.lagBoundMillis(c.name(), partition, arrived) > maxLagMs) {
                tooFar.add(c);
                continue;
            }
            if (maxLagMs != null && !tracker.holdsNow(c, partition, tenant, tracker.next(c.name(), partition))) {
                // The copy's position is the partition's; this tenant's records wait behind it (its heavy lane, a
                // thaw), for no known time: not within the bound. Its file could be any age behind the log.
                behindOnTenant.add(c);
                continue;
            }
            if (c.primary()) return new Served(primary(c, tenant, spec, atLeast, wait), c.name());
            if (!tracker.holdsLife(c, partition, tenant, life)) continue;
            if (atLeast != null && !tracker.holdsNow(c, partition, tenant, atLeast.offset() + 1)) continue;
            try {
                return new Served(c.queries().run(tenant, spec, null, wait), c.name());
            } catch (TenantFileDamaged e) {
                // the next copy
            }
        }
        return null;
    }

    /** The primary: repaired through the log when its file is damaged or missing; a cold tenant read from its snapshot. */
    private QueryResult primary(ReadCopy c, String tenant, StatementSpec spec, Bookmark atLeast, Duration wait) throws InterruptedException {
        return s.repairs().read(tenant, wait, () -> c.queries().run(tenant, spec, atLeast, wait), s.coldReads() == null ? null
                // A cold tenant's snapshot holds every write it acknowledged, and is its content up to its last record (the
                // bookmark GET /v1/tenants/{t} shows, which thawed the tenant); a bookmark past that waits for a thaw instead.
                : (snapshotOffset, sha256, coldUpTo) -> atLeast != null && atLeast.offset() > Math.max(snapshotOffset, coldUpTo) ? null
                        : throughLastRecord(s.coldReads().run(tenant, snapshotOffset, sha256, spec,
                                atLeast != null && atLeast.offset() > snapshotOffset ? null : atLeast, wait), coldUpTo));
    }

    /**
     * A read of a cold tenant's snapshot answers the bookmark of its last record, where the snapshot is its content too: the
     * snapshot's own position is before it, and a read sent with the bookmark GET showed answered an earlier one (outside
     * probe), so a client keeping the answer's bookmark went back.
     */
    private static QueryResult throughLastRecord(QueryResult r, long coldUpTo) {
        if (r.position() == null || coldUpTo <= r.position().offset()) return r;
        return new QueryResult(r.columns(), r.rows(), new io.cairn.topics.Bookmark(r.position().partition(), coldUpTo));
    }

    private ApiError lagging(String why, List<ReadCopy> copies, int partition) {
        StringJoiner lags = new StringJoiner(", ", " (", ")").setEmptyValue("");
        long now = System.currentTimeMillis();
        for (ReadCopy c : copies) lags.add(c.name() + ": " + s.copies().lagMillis(c.name(), partition, now) + " ms behind");
        return new ApiError(ErrorCode.REPLICA_LAGGING, why + lags + "; retry, allow more lag, or read with \"consistency\": \"strong\"");
    }
}
