package io.cairn.streams.apply;

import io.cairn.streams.kafka.CommitHookStore;
import io.cairn.streams.kafka.PollEnds;
import io.cairn.topics.Bookmark;
import io.cairn.topics.TenantId;
import io.cairn.topics.avro.ApplyMigration;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.RestoreFrom;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Applies the records of one partition of cairn.tenant-log, in offset order, with group commit: the
 * records fetched are applied into open per-tenant transactions, which commit when the last record
 * fetched for the partition so far is applied ({@link PollEnds}: as many records as arrived form one
 * group, and a lone record commits at once), when the group reaches its size bound, when it is older
 * than {@link #MAX_GROUP_AGE_MS} (a 1 ms wall-clock punctuation checks), or when Streams commits
 * offsets (see {@link CommitHookStore}). Outcomes and states are forwarded only after their commit.
 *
 * <p>It never stops on what a tenant sends: what a record's SQL causes is that record's outcome. When
 * applying or committing fails otherwise, {@link FailureRecovery} rolls the open group back and applies
 * it again, after waiting out the machine's failures or setting a damaged file aside; a record that
 * keeps failing for no known reason is quarantined. The stream thread is handed back to Streams only
 * when the machine stays broken for minutes.
 */
final class ApplyProcessor implements Processor<String, TenantCommand, String, Object> {
    static final String RESULTS_SINK = "results";
    static final String STATE_SINK = "state";
    static final String DEAD_LETTER_SINK = "dead-letters";
    /** A group older than this (wall-clock ms) commits at the next punctuation even if more records are fetched. */
    static final long MAX_GROUP_AGE_MS = 10;

    private final TenantDatabasePool pool;
    private final ApplierConfig config;
    private final ApplierMetrics metrics;
    private final TenantRecovery recovery;
    private final HeavyLane lane;
    private final PollEnds pollEnds;
    /** When the open group's first record was applied (Streams' wall-clock ms), or -1 while it is empty. */
    private long groupSince = -1;
    private ProcessorContext<String, Object> context;
    private RecordApplier records;
    private final SnapshotRequests snapshots;
    private GroupCommit group;
    private FailureRecovery failures;
    private Cancellable punctuator;
    /**
     * What is committed but not yet forwarded, in the order it must go out: results, states, and
     * tombstones (a deleted tenant's null state) after the states of the group committed before it.
     * Forwarded at the end of a record and at each punctuation, never from Streams' commit hook.
     */
    private final List<Emission> unsent = new ArrayList<>();
    /** Records applied into the open group, in order: what a failure makes us apply again. */
    private final List<LogRecord> uncommitted = new ArrayList<>();
    /** How much of this thread each tenant took lately: one over its share goes to the lane. */
    private final ThreadShares shares = new ThreadShares();
    /** Records of cold tenants waiting for their thaw on a thaw thread. */
    private final ThawHolds thawing;
    /** The offset after the last record fully handled (applied into the group, skipped, deferred or held). */
    private long processedNext = -1;
    /** {@link #processedNext} as of the last commit of the group: what the copy's files hold. */
    private long committedNext = -1;
    private PositionPublisher positions;
    /** The node's own edge, told of each outcome as it goes out (see {@link LocalOutcomes}). */
    private final LocalOutcomes local;

    /** One record of the log and its position. */
    record LogRecord(TenantCommand command, Bookmark position) {}

    ApplyProcessor(TenantDatabasePool pool, ApplierConfig config, ApplierMetrics metrics, TenantRecovery recovery, HeavyLane lane,
            SnapshotRequests snapshots, PollEnds pollEnds, LocalOutcomes local) {
        this.pollEnds = pollEnds;
        this.local = local;
        this.pool = pool;
        this.config = config;
        this.metrics = metrics;
        this.recovery = recovery;
        this.lane = lane;
        this.snapshots = snapshots;
        this.thawing = new ThawHolds(recovery.cold(), pool::registry);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.records = new RecordApplier(pool, config.maxResultRows(), config.keys(), recovery, snapshots);
        this.group = records.group();
        this.failures = new FailureRecovery(recovery, metrics);
        int partition = context.taskId().partition();
        this.positions = new PositionPublisher(() -> {
            try {
                return pool.positions();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, partition, new PositionPublisher.Pending() {
            @Override
            public java.util.Collection<String> joined() {
                java.util.List<String> all = new java.util.ArrayList<>(lane.joinedOn(partition));
                all.addAll(thawing.joined());
                return all;
            }

            @Override
            public java.util.Set<String> all() {
                java.util.Set<String> all = new java.util.HashSet<>(lane.tenantsOn(partition));
                all.addAll(thawing.tenants());
                return all;
            }
        });
        CommitHookStore store = context.getStateStore(ApplierTopology.COMMIT_HOOK);
        // Streams' commit hook may run outside any processing context, where forwarding is not allowed:
        // it only commits, and what it committed is forwarded by the next punctuation or record.
        store.onCommit(this::commitAndSync);
        this.punctuator = context.schedule(Duration.ofMillis(1), PunctuationType.WALL_CLOCK_TIME, t -> {
            // Records released from the thaw holds have waited for their thaw already, and nothing fetched
            // follows them: they commit now (as a lone fetched record does), not when Streams next commits.
            boolean released = applyThawed();
            if (released && !group.isEmpty() || groupSince >= 0 && System.currentTimeMillis() - groupSince >= MAX_GROUP_AGE_MS) {
                commitAndForward();
            } else {
                forwardUnsent(); // what the heavy lane finished, and the outcomes of a commit Streams asked for
            }
            positions.publish(committedNext);
            pool.closeIdle(System.nanoTime());
        });
        try {
            lane.recover(context.taskId().partition()); // records deferred before a restart come first
        } catch (Exception e) {
            throw new StreamsException("could not fetch the records the heavy lane had yet to apply", e);
        }
        positions.resume();
    }

    @Override
    public void process(Record<String, TenantCommand> record) {
        RecordMetadata md = context.recordMetadata().orElseThrow();
        if (record.value() == null) return; // a tombstone on the log carries no command
        LogRecord current = new LogRecord(record.value(), new Bookmark(md.partition(), md.offset()));
        try {
            applyOne(current);
        } catch (FailureRecovery.ApplyFailed e) {
            recover(e, current, false);
        }
        processedNext = md.offset() + 1;
        if (groupSince < 0 && !group.isEmpty()) groupSince = System.currentTimeMillis(); // now, not Streams' cached loop time: the age is real
        if (group.size() >= config.groupCommitMaxRecords() || pollEnds.drained(md.topic(), md.partition(), md.offset())) {
            commitAndForward();
        } else {
            forwardUnsent();
        }
    }

    /**
     * Applies one record into the open group under the quick budget (or, for a delete, commits the
     * group and deletes). A record that needs more, and every later record of its tenant until the
     * lane is done with it, goes to the heavy lane.
     */
    private void applyOne(LogRecord r) {
        applyOne(r, true);
    }

    /** As {@link #applyOne(LogRecord)}; {@code mayHold} false when the record comes out of the thaw holds. */
    private void applyOne(LogRecord r, boolean mayHold) {
        TenantCommand cmd = r.command();
        if (lane.owns(cmd.getTenant())) {
            lane.enqueue(r);
            return;
        }
        // What the lane applied of a tenant it has just given back goes out before this thread's next of it
        // (forwarded after this thread's own, it would follow them: a delete's tombstone, then the state of
        // the restore before it, leaves a deleted tenant alive on cairn.tenant-state).
        if (lane.hasUnforwarded()) forwardUnsent();
        if (mayHold && thawing.hold(r, group)) return;
        if (failures.isQuarantined(r.position())) {
            quarantine(r);
            return;
        }
        if (cmd.getPayload() instanceof ApplyMigration && TenantId.isValid(cmd.getTenant()) && group.held(cmd.getTenant()) == null
                && pool.files().exists(cmd.getTenant())) {
            // A migration always runs in the heavy lane (MigrationApplier): sent there straight, without
            // opening the tenant here, so a fleet run costs the stream thread nothing per tenant.
            metrics.applied(Outcome.DEFERRED);
            lane.enqueue(r);
            return;
        }
        if (cmd.getPayload() instanceof CreateTenant c && TenantTemplates.fromTemplate(c) && TenantId.isValid(cmd.getTenant())
                && group.held(cmd.getTenant()) == null && pool.templates().prepared(c) == null && !pool.files().exists(cmd.getTenant())) {
            // A creation whose template file is not prepared (the first of its template here, or one that
            // cannot be shared and runs its versions): in the heavy lane, which prepares it or runs them.
            metrics.applied(Outcome.DEFERRED);
            lane.enqueue(r);
            return;
        }
        if (cmd.getPayload() instanceof RestoreFrom && TenantId.isValid(cmd.getTenant()) && pool.files().exists(cmd.getTenant())) {
            // A restore builds the tenant's past content (a snapshot and a replay, seconds for a big tenant):
            // in the heavy lane, so the partition's other tenants go on meanwhile.
            if (group.held(cmd.getTenant()) != null) commitGroupOrFail();
            metrics.applied(Outcome.DEFERRED);
            lane.enqueue(r);
            return;
        }
        long started = System.nanoTime();
        if (shares.sendsToLane(cmd, started) && TenantId.isValid(cmd.getTenant()) && pool.files().exists(cmd.getTenant())) {
            // A tenant that took more than its share of this thread lately waits on itself in the lane (ThreadShares).
            if (group.held(cmd.getTenant()) != null) commitGroupOrFail();
            metrics.applied(Outcome.DEFERRED);
            lane.enqueue(r);
            return;
        }
        Outcome outcome;
        try {
            outcome = records.apply(cmd, r.position(), this::commitGroupOrFail, Budget.QUICK);
        } catch (FailureRecovery.ApplyFailed e) {
            throw e;
        } catch (Exception e) {
            throw new FailureRecovery.ApplyFailed(r, cmd.getTenant(), e);
        } finally {
            long ended = System.nanoTime();
            shares.spent(cmd.getTenant(), ended - started, ended);
        }
        metrics.applied(outcome);
        if (outcome instanceof Outcome.Deferred) {
            // The tenant's earlier records of the group commit first: the lane then owns the tenant alone.
            commitGroupOrFail();
            lane.enqueue(r);
            return;
        }
        if (cmd.getPayload() instanceof DeleteTenant) {
            // The group was committed before the delete (its states are queued first); the delete is final.
            if (!(outcome instanceof Outcome.Skipped)) {
                unsent.add(Emission.result(GroupCommit.result(cmd, r.position(), outcome, System.currentTimeMillis())));
                if (outcome instanceof Outcome.Applied) unsent.add(Emission.tombstone(cmd.getTenant()));
            }
            return;
        }
        uncommitted.add(r);
    }

    /**
     * Applies the held records of every tenant whose thaw finished (the thaw itself is then only a move);
     * true when there were any.
     */
    private boolean applyThawed() {
        return thawing.release(r -> {
            try {
                applyOne(r, false);
            } catch (FailureRecovery.ApplyFailed failed) {
                recover(failed, r, false);
            }
        }, lane::adopt);
    }

    /**
     * Rolls the open group back and applies it again (and {@code current}, if it was not applied), and
     * commits it too when {@code commit}, until that succeeds; see {@link FailureRecovery}.
     */
    private void recover(FailureRecovery.ApplyFailed failure, LogRecord current, boolean commit) {
        List<LogRecord> todo = new ArrayList<>(uncommitted);
        if (current != null && !todo.contains(current)) todo.add(current);
        FailureRecovery.ApplyFailed next = failure;
        while (next != null) {
            if (next.getCause() instanceof GroupCommit.CommitFailed cf) queue(cf.committed());
            group.abort();
            uncommitted.clear();
            failures.handle(next); // waits, sets a file aside or marks a record for quarantine; throws to give up
            next = null;
            try {
                for (LogRecord r : todo) applyOne(r);
                if (commit) commitGroupOrFail();
            } catch (FailureRecovery.ApplyFailed e) {
                next = e;
            }
        }
        failures.recovered(); // applied again (and committed, when asked): whatever was waited out is over
    }

    /**
     * Sets a record aside that keeps failing: nothing of it is applied; it gets a failed outcome and a dead letter.
     * Never one the tenant's file is known to hold already (redelivered after a rebalance or a restart): a dead
     * letter would make every replay drop an acknowledged write; it is skipped, as a replay skips it.
     */
    private void quarantine(LogRecord r) {
        if (FailureRecovery.appliedBefore(recovery, r)) {
            metrics.applied(Outcome.SKIPPED);
            return;
        }
        Outcome.Failed verdict = FailureRecovery.QUARANTINED;
        metrics.applied(verdict);
        unsent.add(Emission.result(GroupCommit.result(r.command(), r.position(), verdict, System.currentTimeMillis())));
        unsent.add(Emission.deadLetter(failures.deadLetter(r)));
    }

    private void commitAndForward() {
        try {
            commitGroupOrFail();
        } catch (FailureRecovery.ApplyFailed e) {
            recover(e, null, true);
        }
        forwardUnsent();
        positions.publish(committedNext);
    }

    private void forwardUnsent() {
        lane.drainTo(unsent);
        if (config.role() == ApplierConfig.Role.PRIMARY) {
            long now = System.currentTimeMillis();
            for (Emission e : unsent) {
                if (e.value() instanceof CommandResult outcome) local.committed(outcome);
                context.forward(new Record<>(e.tenant(), e.value(), now), e.sink());
            }
        }
        unsent.clear();
    }

    private void queue(GroupCommit.Emitted emitted) {
        Emission.addAll(unsent, emitted);
    }

    /** Before Streams commits offsets: commit SQLite, then make it durable (see {@link DurabilityBarrier}). */
    private void commitAndSync() {
        try {
            commitGroupOrFail();
        } catch (FailureRecovery.ApplyFailed e) {
            recover(e, null, true); // gives up (to Streams, which then commits no offset) only after minutes
        }
        metrics.synced(group.syncDurable());
        persistHeld();
    }

    /**
     * Records the records held for a thaw and those the heavy lane has yet to apply, so they survive the offset
     * commit. They go to the hot volume's registry: a full or failing volume is waited out as a record's failure is,
     * never a replaced thread (tried again whole: both are idempotent).
     */
    private void persistHeld() {
        boolean failed = false;
        while (true) {
            try {
                thawing.persist();
                lane.persistPending();
                if (failed) failures.recovered();
                return;
            } catch (SQLException e) {
                failed = true;
                failures.handleOwn(new FailureRecovery.ApplyFailed("recording the records held for a thaw or the heavy lane", e));
            }
        }
    }

    /** Commits the open group; its outcomes wait in {@link #unsent} for the next forwarding point. */
    private void commitGroupOrFail() {
        groupSince = -1;
        if (group.isEmpty()) {
            uncommitted.clear();
            committedNext = processedNext;
            failures.recovered();
            return;
        }
        long start = System.nanoTime();
        try {
            GroupCommit.Emitted emitted = group.commit(System.currentTimeMillis());
            metrics.committed(emitted.results().size(), System.nanoTime() - start);
            queue(emitted);
            uncommitted.clear();
            committedNext = processedNext;
            failures.recovered();
            recovery.setAsideDamaged(group.takeDamaged());
        } catch (GroupCommit.CommitFailed e) {
            throw new FailureRecovery.ApplyFailed(null, e.tenant(), e);
        }
    }

    @Override
    public void close() {
        if (punctuator != null) punctuator.cancel();
        thawing.close(); // no thaw of this partition's tenants may write to their files once another instance owns them
        // Streams committed the group before closing; whatever is still open here belongs to a failed
        // task and is rolled back, to be redelivered.
        group.abort();
        group.close();
        if (failures != null) failures.recovered();
        pollEnds.forget(io.cairn.topics.TopicCatalog.TENANT_LOG, context.taskId().partition());
    }
}
