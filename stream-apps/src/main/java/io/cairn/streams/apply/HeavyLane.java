package io.cairn.streams.apply;

import io.cairn.connectors.keys.TenantKeys;
import io.cairn.streams.apply.HeavyLaneQueues.Queued;
import io.cairn.tenantdb.cpu.LowPriority;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.RestoreFrom;
import io.cairn.topics.avro.Sealed;
import io.cairn.topics.avro.TenantCommand;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where records that need more than the quick budget run, so that no tenant can hold the stream thread
 * every other tenant of the partition shares. Threads of its own apply them with the full budget, tenants
 * taking turns: a turn is the tenant's oldest record and the writes right behind it (a run), grouped with
 * other tenants' turns under one commit. Who comes next is kept by {@link HeavyLaneQueues}.
 *
 * <p>A tenant with a record here is <b>owned</b> by the lane until its queue is empty: its later
 * records are queued behind (its order is the log's), so the tenant's writes wait for its own heavy
 * record while everyone else's go on. A record deferred here has not moved its tenant's position: the
 * full budget alone decides its outcome, so every copy and replay reaches the same one.
 *
 * <p>A record the machine fails (I/O, a full volume, too little space for temporary files, a lock held
 * elsewhere) keeps its tenant's place and is tried again with backoff, while the thread goes on with other
 * tenants; a write so waiting gives way to a delete of its tenant queued behind it.
 *
 * <p>Nothing is lost in a crash: before Kafka commits an offset past a queued record, its position is
 * written to the hot volume's registry ({@link #persistPending}), and a task starting on the partition
 * fetches those records again ({@link #recover}) before the tenant's later ones. Outcomes, states and
 * dead letters go to an outbox the stream thread forwards. A slow tenant's turns come alone ({@link HeavyLaneQueues#took}).
 *
 * <p>Thread-safe: the stream threads enqueue and drain, the lane's thread applies.
 */
final class HeavyLane implements AutoCloseable {
    /** Fetches a record of the log again by its position (after a restart). */
    interface Refetch {
        TenantCommand fetch(Bookmark position) throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(HeavyLane.class);
    private static final long FAULT_RETRY_MILLIS = 1_000; // how long a group's tenants wait after a fault of the lane's own

    private final TenantDatabasePool pool;
    /** One per worker thread: each applies its own groups of tenants. */
    private final List<RecordApplier> appliers = new ArrayList<>();
    private final ApplierMetrics metrics;
    private final TenantRecovery recovery;
    /** A replica's lane (it follows the primary's verdicts; its own answers are not sent): see {@link #supersededByDelete}. */
    private final boolean followsPrimary;
    private final Refetch refetch;
    /** Records applied in one group by the lane: of different tenants, and runs of one tenant's writes. */
    static final int BATCH = 64;
    /** A group takes no more records once it has applied this long (a run's first record alone may take longer). */
    static final java.time.Duration GROUP_TIME = java.time.Duration.ofMillis(50);

    private final HeavyLaneQueues line = new HeavyLaneQueues();
    private final RoomToRetry room;
    private final ConcurrentLinkedQueue<Emission> outbox = new ConcurrentLinkedQueue<>();
    /** Records applied whose deferred row is still there: it goes once their outcome and state are surely in Kafka. */
    private final ConcurrentLinkedQueue<Bookmark> appliedWithRow = new ConcurrentLinkedQueue<>();
    /** Per stream thread: the rows of records whose emissions it took since its last commit, and before that. */
    private final Map<Thread, Drained> drained = new java.util.concurrent.ConcurrentHashMap<>();

    private static final class Drained {
        List<Bookmark> sinceCommit = new ArrayList<>();
        List<Bookmark> beforeCommit = new ArrayList<>();
    }
    private final List<Thread> workers = new ArrayList<>();
    /** The regular workers applying a group now (the last worker is the spare, see {@link BusyWorkers}). */
    private final BusyWorkers busy;
    private volatile boolean closed;

    /**
     * @param threads worker threads: each takes the next tenants' turns, so a tenant is only ever applied by
     *     one of them at a time and its records stay in log order; and a spare, while they all are stuck ({@link BusyWorkers})
     */
    HeavyLane(TenantDatabasePool pool, int maxResultRows, TenantKeys keys, TenantRecovery recovery, ApplierMetrics metrics, Refetch refetch,
            int threads) {
        this(pool, maxResultRows, keys, recovery, metrics, refetch, threads, SnapshotRequests.IGNORED);
    }

    /** @param snapshots where the snapshots its records ask for go, once the lane committed them ({@link AfterCommitSnapshots}) */
    HeavyLane(TenantDatabasePool pool, int maxResultRows, TenantKeys keys, TenantRecovery recovery, ApplierMetrics metrics, Refetch refetch,
            int threads, SnapshotRequests snapshots) {
        if (threads < 1) throw new IllegalArgumentException("the heavy lane needs at least one thread");
        this.pool = pool;
        this.metrics = metrics;
        this.room = new RoomToRetry(pool, metrics.stalls());
        this.recovery = recovery;
        this.followsPrimary = recovery.past() != null && recovery.past().followsPrimary();
        this.refetch = refetch;
        // Nobody waits on a fleet run: other tenants' writes get the cores first.
        java.util.concurrent.ThreadFactory lowered = LowPriority.threads("cairn-heavy-lane-");
        busy = new BusyWorkers(threads);
        for (int i = 0; i <= threads; i++) { // the last one is the spare
            AfterCommitSnapshots asked = new AfterCommitSnapshots(snapshots);
            RecordApplier records = new RecordApplier(pool, maxResultRows, keys, recovery, asked, false);
            appliers.add(records);
            int slot = i;
            workers.add(lowered.newThread(i < threads ? () -> work(records, asked, slot, () -> true) : () -> work(records, asked, -1, busy::allStuck)));
        }
    }

    void start() {
        workers.forEach(Thread::start);
    }

    /** True while the lane has a record of {@code tenant} to apply: the tenant's next records must queue behind. */
    boolean owns(String tenant) {
        return line.owns(tenant);
    }

    /** The tenants of {@code partition} with records here: what the partition's published position excludes ({@code CopyPositions}). */
    Set<String> tenantsOn(int partition) {
        return line.tenantsOn(partition);
    }

    /** The tenants of {@code partition} that started having records here since the last call (drained). */
    List<String> joinedOn(int partition) {
        return line.joinedOn(partition);
    }

    /** See {@link HeavyLaneQueues#adopt}. */
    boolean adopt(Bookmark position) {
        return line.adopt(position);
    }

    /** Queues {@code r} behind its tenant's earlier records here; a position already queued is ignored. */
    void enqueue(ApplyProcessor.LogRecord r) {
        line.enqueue(r);
    }

    /**
     * Records (durably) every queued position not recorded yet, and clears the rows of records whose
     * emissions this thread forwarded before its previous commit (flushed by it); call in the commit
     * hook, before Kafka commits offsets.
     */
    void persistPending() throws SQLException {
        Map<Bookmark, String> todo = line.unpersisted();
        Drained mine = drained.computeIfAbsent(Thread.currentThread(), t -> new Drained());
        pool.registry().deferredChanges(todo, mine.beforeCommit); // one transaction, one sync, however many
        appliedWithRow.addAll(line.persisted(todo.keySet()));
        mine.beforeCommit = mine.sinceCommit;
        mine.sinceCommit = new ArrayList<>();
    }

    /** Queues again the records of {@code partition} a previous run deferred but did not apply. */
    void recover(int partition) throws Exception {
        for (Bookmark b : pool.registry().deferredOf(partition)) {
            if (!line.recovered(b)) continue;
            enqueue(new ApplyProcessor.LogRecord(refetch.fetch(b), b));
        }
    }

    /**
     * What the lane committed, for a stream thread to forward; taken once. The rows of those records are
     * cleared two commits of this thread later (see {@link #persistPending}): Streams flushes what a
     * thread forwarded only after the commit hook that follows, and a row cleared before its record's state
     * reached Kafka would let a crash lose that state for good.
     */
    void drainTo(List<Emission> out) {
        Drained mine = drained.computeIfAbsent(Thread.currentThread(), t -> new Drained());
        // Positions first: a position taken here had its emissions queued before it, so they are taken below.
        for (Bookmark b; (b = appliedWithRow.poll()) != null; ) mine.sinceCommit.add(b);
        for (Emission e; (e = outbox.poll()) != null; ) out.add(e);
    }

    /** Whether the lane committed something a stream thread has yet to take ({@link #drainTo}). */
    boolean hasUnforwarded() {
        return !outbox.isEmpty() || !appliedWithRow.isEmpty();
    }

    /** Regular workers applying a group now (the spare not counted). */
    int workersBusy() {
        return busy.busy();
    }

    /** Whether {@code tenant}'s turns come alone now, a record of it having been slow lately. */
    boolean appliedAlone(String tenant) {
        return line.appliedAlone(tenant);
    }

    /** Records queued or running. */
    int size() {
        return line.size();
    }

    /** A worker's loop; {@code slot} its place in {@link #busy} (-1: the spare, which takes turns only while {@code mayTake}). */
    private void work(RecordApplier records, AfterCommitSnapshots asked, int slot, java.util.function.BooleanSupplier mayTake) {
        while (!closed) {
            List<Queued> batch;
            try {
                batch = line.awaitTurns(BATCH, () -> closed, mayTake);
            } catch (InterruptedException e) {
                return;
            }
            if (batch.isEmpty()) return;
            if (slot >= 0) busy.started(slot);
            try {
                applyTurns(records, asked, batch);
            } catch (RuntimeException e) {
                // A fault of the lane's own: its thread goes on, or every tenant it holds would wait for good.
                log.error("heavy lane: applying the turns of {} failed; they are tried again in {} ms", tenantsOf(batch), FAULT_RETRY_MILLIS, e);
                line.giveBackAfterFault(tenantsOf(batch), FAULT_RETRY_MILLIS);
            } finally {
                if (slot >= 0) busy.finished(slot);
            }
        }
    }

    /** Applies the records of {@code batch} (each its tenant's oldest) and the runs behind them, then gives their turns back. */
    private void applyTurns(RecordApplier records, AfterCommitSnapshots asked, List<Queued> batch) {
        batch.removeIf(this::supersededByDelete);
        for (Queued r : List.copyOf(batch)) if (!room.mayTry(r.position()) && batch.remove(r)) line.lookForRoomLater(r); // RoomToRetry
        if (batch.isEmpty()) return;
        List<Queued> group = withRuns(batch);
        int together = group.size() == 1 ? 0 : applyTogether(records, asked, group);
        Set<String> waiting = new HashSet<>();
        if (together == 0) {
            for (Queued r : group) {
                if (waiting.contains(r.tenant())) continue; // an earlier record of its tenant waits: so do its later ones
                if (apply(records, asked, r)) {
                    finish(r);
                } else {
                    line.retryLater(r);
                    waiting.add(r.tenant());
                }
            }
        } else {
            for (Queued r : group.subList(0, together)) {
                forgetRetries(r);
                finish(r);
            }
            metrics.heavyGroup(together);
        }
        Set<String> done = tenantsOf(group);
        done.removeAll(waiting); // their turn is given back already, to wait out the backoff
        line.giveTurnsBack(done);
    }

    private static Set<String> tenantsOf(List<Queued> batch) {
        Set<String> tenants = new java.util.LinkedHashSet<>();
        for (Queued q : batch) tenants.add(q.tenant());
        return tenants;
    }

    /**
     * {@code heads} (one record per tenant, each its tenant's oldest) and behind each, while the group has
     * fewer than {@link #BATCH} records, the tenant's next records that are writes: a tenant with a backlog of
     * writes behind a heavy record (or sent here for its share of the thread) gets them applied under one
     * commit and one sync instead of one each. Another kind of record ends the run: it may need the lane to
     * itself. Returns the group, each tenant's records together and in log order.
     */
    private List<Queued> withRuns(List<Queued> heads) {
        List<Queued> group = new ArrayList<>(heads);
        if (heads.size() >= BATCH) return group;
        group.clear();
        int room = BATCH - heads.size();
        for (Queued head : heads) {
            group.add(head);
            for (Queued next : line.behind(head, room)) {
                Queued known = withCommand(next);
                if (known == null || !isWrite(known.command())) break;
                group.add(known);
                room--;
            }
        }
        return group;
    }

    /** {@code q} with its command, fetched again if only its position was kept; null when it cannot be read now. */
    private Queued withCommand(Queued q) {
        if (q.command() != null) return q;
        try {
            return new Queued(q.tenant(), q.position(), refetch.fetch(q.position()));
        } catch (Exception e) {
            return null; // read when its own turn comes, where a failure is waited out
        }
    }

    private static boolean isWrite(TenantCommand cmd) {
        return cmd.getPayload() instanceof ExecuteBatch || cmd.getPayload() instanceof Sealed;
    }

    /**
     * A write, restore, fork or import the machine keeps failing (its retries began: the disk, the snapshot
     * store, a replica waiting for the primary's snapshot of a fork) whose tenant is deleted behind it gives
     * way: it is answered {@code tenant_not_found} and the delete goes on, so an operator can always delete a
     * tenant. A copy that applies it first reaches the same end, the tenant gone; only this copy's answer
     * differs. Other kinds of record (a create, a migration, a key) wait for the machine as before. On a
     * replica, whose answers go nowhere, a restore, fork or import with a delete behind it is not even tried:
     * its build is the costly part, and a replica that fell behind meets many such pairs at once. Returns
     * true when {@code r} was so answered.
     */
    private boolean supersededByDelete(Queued r) {
        boolean retrying = line.retryingWithDeleteBehind(r);
        if (!retrying && !(followsPrimary && line.deleteBehind(r))) return false;
        TenantCommand cmd;
        try {
            cmd = r.command() != null ? r.command() : refetch.fetch(r.position());
        } catch (Exception e) {
            return false; // cannot tell what it is: it waits like any other
        }
        String what = HeavyLaneQueues.givesWayToDelete(cmd);
        if (what == null || !retrying && !(cmd.getPayload() instanceof RestoreFrom)) return false;
        if (retrying) log.warn("tenant {}: {} {} waited for the machine and its tenant is deleted behind it: answered tenant_not_found",
                r.tenant(), what, r.position());
        else log.info("tenant {}: {} {} passed over on this replica: its tenant is deleted behind it", r.tenant(), what, r.position());
        Outcome.Failed gone = new Outcome.Failed(ErrorCode.TENANT_NOT_FOUND, "the tenant was deleted before this " + what
                + (retrying ? " could be applied (the node could not apply it then)" : " was applied on this replica")
                + "; nothing of it was applied", null);
        metrics.applied(gone);
        outbox.add(Emission.result(GroupCommit.result(cmd, r.position(), gone, System.currentTimeMillis())));
        forgetRetries(r);
        if (line.finish(r, true)) appliedWithRow.add(r.position());
        return true;
    }

    /**
     * Applies records (of different tenants, and runs of one tenant's) in one group, committed and synced once:
     * a fleet migration sends thousands. Stops taking more once the group has run {@link #GROUP_TIME}, so a
     * long run does not hold the records of the group's other tenants. Returns how many of {@code group}
     * were applied, from its start; 0, nothing of them applied, when any failed or is a delete: they are then
     * applied one by one, where failures are waited out or quarantined.
     */
    private int applyTogether(RecordApplier records, AfterCommitSnapshots asked, List<Queued> group) {
        GroupCommit commit = records.group();
        List<Outcome> outcomes = new ArrayList<>(group.size());
        long start = System.nanoTime();
        try {
            for (Queued q : group) {
                TenantCommand cmd = q.command() != null ? q.command() : refetch.fetch(q.position());
                if (cmd.getPayload() instanceof DeleteTenant) {
                    commit.abort();
                    asked.aborted();
                    return 0;
                }
                if (!outcomes.isEmpty() && System.nanoTime() - start > GROUP_TIME.toNanos()) break;
                long began = System.nanoTime();
                outcomes.add(records.apply(cmd, q.position(), () -> { }, Budget.FULL));
                line.took(q.tenant(), System.nanoTime() - began);
            }
            GroupCommit.Emitted emitted = commit.commit(System.currentTimeMillis());
            recovery.setAsideDamaged(commit.takeDamaged());
            commit.syncDurable();
            asked.committed();
            outcomes.forEach(metrics::applied);
            List<Emission> out = new ArrayList<>();
            Emission.addAll(out, emitted);
            outbox.addAll(out);
            return outcomes.size();
        } catch (Exception e) {
            commit.abort();
            asked.aborted();
            log.debug("heavy lane: a group of {} failed ({}); applying them one by one", group.size(), e.toString());
            return 0;
        }
    }

    /**
     * Applies one record with the full budget and commits it durably. Returns false, nothing of it applied,
     * when the machine failed it (I/O, a full volume, a lock held elsewhere, the key vault or the store away):
     * it is tried again later ({@link #retryLater}), and this thread goes on with other tenants meanwhile, so
     * no tenant's record that the machine cannot apply now holds the lane every tenant's heavy records share.
     */
    private boolean apply(RecordApplier records, AfterCommitSnapshots asked, Queued queued) {
        long backoff = HeavyLaneQueues.FIRST_BACKOFF_MILLIS;
        int unknown = 0;
        ApplyProcessor.LogRecord r = null;
        while (!closed) {
            GroupCommit group = records.group();
            try {
                if (r == null) {
                    r = new ApplyProcessor.LogRecord(queued.command() != null ? queued.command() : refetch.fetch(queued.position()),
                            queued.position());
                }
                long began = System.nanoTime();
                Outcome outcome = records.apply(r.command(), r.position(), () -> { }, Budget.FULL);
                line.took(queued.tenant(), System.nanoTime() - began);
                metrics.applied(outcome);
                GroupCommit.Emitted emitted = group.commit(System.currentTimeMillis());
                recovery.setAsideDamaged(group.takeDamaged());
                group.syncDurable();
                asked.committed();
                pool.cutBackLargeWal(queued.tenant());
                List<Emission> out = new ArrayList<>();
                Emission.addAll(out, emitted);
                if (r.command().getPayload() instanceof DeleteTenant && !(outcome instanceof Outcome.Skipped)) {
                    if (outcome instanceof Outcome.Applied) out.add(Emission.tombstone(r.command().getTenant())); // before: see addAll
                    out.add(Emission.result(GroupCommit.result(r.command(), r.position(), outcome, System.currentTimeMillis())));
                }
                outbox.addAll(out);
                forgetRetries(queued);
                return true;
            } catch (Exception e) {
                group.abort();
                asked.aborted();
                FailureRecovery.Kind kind = r == null ? FailureRecovery.Kind.MACHINE : FailureRecovery.classify(e);
                metrics.failed(kind);
                if (kind == FailureRecovery.Kind.DAMAGED) {
                    try {
                        recovery.setAside(queued.tenant());
                        continue;
                    } catch (SQLException ignored) {
                        kind = FailureRecovery.Kind.MACHINE;
                    }
                }
                if (kind == FailureRecovery.Kind.UNKNOWN) recovery.reopen(queued.tenant()); // afresh, as FailureRecovery does
                if (kind == FailureRecovery.Kind.UNKNOWN && ++unknown >= FailureRecovery.QUARANTINE_AFTER) {
                    log.error("tenant {}: heavy record {} failed {} times; quarantined", r.command().getTenant(), r.position(), unknown, e);
                    quarantine(r, e, unknown);
                    forgetRetries(queued);
                    return true;
                }
                if (kind == FailureRecovery.Kind.MACHINE) {
                    room.failed(queued.tenant(), queued.position(), e);
                    metrics.stalls().failing(queued.position(), System.currentTimeMillis(), e);
                    log.warn("tenant {}: heavy record {} failed for the machine ({}); its tenant waits, the lane goes on", queued.tenant(),
                            queued.position(), e.toString());
                    return false;
                }
                log.warn("tenant {}: heavy record {} failed ({}); retrying in {} ms", queued.tenant(), queued.position(), e, backoff);
                try {
                    TimeUnit.MILLISECONDS.sleep(backoff);
                } catch (InterruptedException stop) {
                    return false;
                }
                backoff = Math.min(backoff * 2, HeavyLaneQueues.MAX_BACKOFF_MILLIS);
            }
        }
        return false;
    }

    /** {@code r} is done with (applied, quarantined or superseded): its retries, and the stall it showed, are over. */
    private void forgetRetries(Queued r) {
        line.forgetRetries(r);
        room.forget(r.position());
        metrics.stalls().cleared(r.position());
    }

    private void quarantine(ApplyProcessor.LogRecord r, Exception cause, int attempts) {
        if (FailureRecovery.appliedBefore(recovery, r)) { // a redelivery the file holds: skipped, never a dead letter
            metrics.applied(Outcome.SKIPPED);
            return;
        }
        metrics.applied(FailureRecovery.QUARANTINED);
        metrics.quarantined();
        // The dead letter first: the outbox may be drained between the two, and a failure told must be recorded.
        outbox.add(Emission.deadLetter(DeadLetter.newBuilder().setTenant(r.command().getTenant())
                .setPartition(r.position().partition()).setOffset(r.position().offset()).setCommandId(r.command().getCommandId())
                .setReason(cause.getClass().getName() + ": " + cause.getMessage()).setAttempts(attempts)
                .setQuarantinedAtMs(System.currentTimeMillis()).build()));
        outbox.add(Emission.result(GroupCommit.result(r.command(), r.position(), FailureRecovery.QUARANTINED, System.currentTimeMillis())));
    }

    /**
     * The record is applied (durably): off the queue. Its row stays until its outcome and state are surely in
     * Kafka (drainTo, persistPending): a start before then fetches the record again, which its position skips
     * and whose state goes out again.
     */
    private void finish(Queued r) {
        if (line.finish(r, false)) appliedWithRow.add(r.position());
    }

    @Override
    public void close() {
        closed = true;
        line.wakeAll();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread worker : workers) {
            try {
                worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (RecordApplier records : appliers) {
            records.group().abort();
            records.group().close();
        }
    }
}
