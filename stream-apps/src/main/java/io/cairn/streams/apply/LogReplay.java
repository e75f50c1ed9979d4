package io.cairn.streams.apply;

import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.tenantdb.sqlite.ConsistentCopy;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.Serdes;
import io.cairn.topics.TenantId;
import io.cairn.topics.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.seal.Sealing;
import io.cairn.topics.avro.TenantCommand;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Rebuilds tenant databases from the log: reads cairn.tenant-log from offset 0 up to end offsets fixed
 * when it starts, and applies the records of the selected tenants into a fresh hot directory with the
 * applier's own code ({@link RecordApplier}: same savepoints, same group commit, same deterministic
 * functions), so every rebuilt tenant has the content the live applier gave it at the same offset.
 * Records of one partition are applied in offset order; partitions hold disjoint tenants.
 *
 * <p>Records the live applier quarantined (listed on {@code cairn.dead-letters}) are skipped here too,
 * so a rebuilt copy equals the live one.
 *
 * <p>Consumes without a consumer group (assigned partitions, nothing committed), so it never disturbs
 * the applier. Refuses a target directory that already holds tenants, and a log whose beginning was
 * removed by retention unless it starts tenants from snapshots ({@link #withSnapshots}): then every
 * existing tenant of a truncated partition (named by {@code cairn.tenant-state}) starts from a snapshot
 * that leaves none of its removed records out, or from its creation if the log still holds it; the rest
 * are named by a {@link RecordsRemovedException} at the end, never rebuilt wrong. So are tenants whose content
 * came from records erased since ({@link ErasedContentException}). Not thread-safe.
 */
public final class LogReplay {
    private static final Duration REPORT_EVERY = Duration.ofSeconds(1);

    private final Map<String, Object> kafkaClientProps;
    private final ApplierConfig config;
    private final SnapshotSeeds seeds;
    /** Where imports' files are read from (and past points' snapshots); null: none. */
    private final SnapshotStore store;
    /** The points built so far by the build this replay is part of; null: a replay of its own. */
    private final BuiltPoints points;
    /** Whether the tenants the log leaves cold are left cold in the target ({@link #leavingColdTenantsCold}). */
    private final boolean keepCold;

    /**
     * @param kafkaClientProps {@code bootstrap.servers} and security settings
     * @param config how records are applied (limits, result rows, group size); its hot dir is the target
     */
    public LogReplay(Map<String, Object> kafkaClientProps, ApplierConfig config) {
        this(kafkaClientProps, config, null, null, null, false);
    }

    private LogReplay(Map<String, Object> kafkaClientProps, ApplierConfig config, SnapshotSeeds seeds, SnapshotStore store,
            BuiltPoints points, boolean keepCold) {
        this.keepCold = keepCold;
        this.kafkaClientProps = Map.copyOf(kafkaClientProps);
        this.config = config;
        this.seeds = seeds;
        this.store = store;
        this.points = points;
    }

    /** This replay inside a build of a past point: the restores it meets use and add to {@code points}. */
    LogReplay withPoints(BuiltPoints points) {
        return new LogReplay(kafkaClientProps, config, seeds, store, points, keepCold);
    }

    /**
     * This replay, reading imported files from {@code store} (an import's record is applied from the file it
     * names) but starting every tenant from the log, never from a snapshot.
     */
    public LogReplay withImports(SnapshotStore store) {
        return new LogReplay(kafkaClientProps, config, seeds, store, points, keepCold);
    }

    /**
     * This replay, starting each tenant from its newest snapshot in {@code store} that verifies (size,
     * SHA-256, position): when {@link #replayAll} meets a tenant's first record, the snapshot is placed
     * as its file, and the tenant's records it already holds are skipped by its applied position; only
     * the records after it are applied. A tenant without a usable snapshot is replayed from the log.
     */
    public LogReplay withSnapshots(SnapshotStore store, MeterRegistry registry) {
        return new LogReplay(kafkaClientProps, config, SnapshotSeeds.forRebuild(store, registry), store, points, keepCold);
    }

    /**
     * This replay (one {@link #withSnapshots}, of every tenant), leaving the tenants the log leaves cold cold in its target, as
     * the live applier left them: their cold tails in its registry, no file ({@link ColdAtEnd}). Without it they come back as
     * files. What a rebuild to serve in place of the hot directory wants; never a copy (a replica, a past point).
     */
    public LogReplay leavingColdTenantsCold() {
        return new LogReplay(kafkaClientProps, config, seeds, store, points, true);
    }

    /** Replays every partition up to its end offset as of now, for the tenants {@code tenants} accepts. */
    public ReplayProgress replayAll(Predicate<String> tenants, Consumer<ReplayProgress> listener) throws SQLException {
        return withConsumer(consumer -> {
            List<PartitionInfo> infos = consumer.partitionsFor(TopicCatalog.TENANT_LOG, Duration.ofSeconds(60));
            if (infos == null || infos.isEmpty()) throw new IllegalStateException(TopicCatalog.TENANT_LOG + " does not exist");
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions); // before its offsets are asked: the client warns of every partition it does not hold
            return replay(consumer, consumer.endOffsets(partitions, Duration.ofSeconds(60)), tenants, listener, -1);
        });
    }

    /** Replays one partition's records below {@code endExclusive}, for the tenants {@code tenants} accepts. */
    public ReplayProgress replayPartition(int partition, long endExclusive, Predicate<String> tenants, Consumer<ReplayProgress> listener)
            throws SQLException {
        return withConsumer(consumer -> replay(consumer, Map.of(new TopicPartition(TopicCatalog.TENANT_LOG, partition), endExclusive), tenants,
                listener, -1));
    }

    /**
     * Replays one partition's records from {@code from} (inclusive) below {@code endExclusive}, for the
     * tenants {@code tenants} accepts, onto a target that already holds their files as of {@code from - 1}
     * (snapshots to continue from). Refuses when retention removed a record at or after {@code from}.
     */
    public ReplayProgress replayPartitionFrom(int partition, long from, long endExclusive, Predicate<String> tenants,
            Consumer<ReplayProgress> listener) throws SQLException {
        if (from < 0) throw new IllegalArgumentException("from must be >= 0");
        return withConsumer(consumer -> replay(consumer, Map.of(new TopicPartition(TopicCatalog.TENANT_LOG, partition), endExclusive), tenants,
                listener, from));
    }

    /**
     * Applies the records at {@code offsets} of one partition (ascending), read with {@code reader}, for
     * the tenants {@code tenants} accepts, onto a target that holds their files as of just before the
     * first: a cold tenant's thaw, whose tail is a few known records, not a stretch of the partition.
     */
    void replayOffsets(int partition, List<Long> offsets, HeavyLane.Refetch reader, Predicate<String> tenants) throws SQLException {
        try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(config.hotDir()), config.limits(), config.maxOpenTenants())) {
            replayOffsets(pool, partition, offsets, reader, tenants);
        }
    }

    /**
     * As {@link #replayOffsets(int, List, HeavyLane.Refetch, Predicate)}, onto the files of {@code pool},
     * which keeps them open: a thaw applies a cold tail to the file it just put in place, and the record
     * that thawed the tenant then finds it open. Every commit is synced to disk before this returns.
     */
    void replayOffsets(TenantDatabasePool pool, int partition, List<Long> offsets, HeavyLane.Refetch reader, Predicate<String> tenants)
            throws SQLException {
        RecordApplier records = new RecordApplier(pool, config.maxResultRows(), config.keys(), TenantRecovery.NONE, SnapshotRequests.IGNORED, past(), true, false);
        GroupCommit group = records.group();
        Runnable commit = () -> {
            try {
                if (!group.isEmpty()) group.commit(System.currentTimeMillis());
            } catch (GroupCommit.CommitFailed e) {
                throw new IllegalStateException("replay: " + e.getMessage(), e.getCause());
            }
        };
        try {
            for (long offset : offsets) {
                Bookmark at = new Bookmark(partition, offset);
                TenantCommand cmd;
                try {
                    cmd = reader.fetch(at);
                } catch (Exception e) {
                    throw new SQLException("could not read " + at + " of the log", e);
                }
                if (tenants.test(cmd.getTenant())) records.apply(cmd, at, commit);
            }
            commit.run();
            group.syncDurable();
        } catch (SQLException | RuntimeException e) {
            group.abort();
            throw e;
        } finally {
            group.close();
        }
    }

    /** {@code from} -1: from the beginning, onto an empty target. */
    private ReplayProgress replay(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> ends,
            Predicate<String> tenants, Consumer<ReplayProgress> listener, long from) throws SQLException {
        TenantFiles files = new TenantFiles(config.hotDir());
        if (from < 0 && !files.list().isEmpty()) {
            throw new IllegalArgumentException("replay target " + config.hotDir() + " already holds tenants");
        }
        long needed = Math.max(0, from);
        Set<Bookmark> quarantined = DeadLetters.read(consumer, ends.keySet()); // with this consumer, before it is assigned the log
        consumer.assign(ends.keySet());
        if (from < 0) consumer.seekToBeginning(ends.keySet());
        else ends.keySet().forEach(tp -> consumer.seek(tp, from));
        Map<TopicPartition, Long> firsts = consumer.beginningOffsets(ends.keySet(), Duration.ofSeconds(60));
        Map<Integer, Long> removed = new HashMap<>();
        firsts.forEach((tp, first) -> {
            if (first <= needed) return;
            if (from >= 0 || seeds == null) {
                throw new IllegalStateException(tp + " starts at offset " + first + ", not " + needed + ": retention removed part of"
                        + " the log, so a replay from it would lose history" + (from < 0 ? " (a rebuild with the snapshot store starts"
                        + " each tenant from its snapshot)" : ""));
            }
            removed.put(tp.partition(), first);
        });
        TruncatedLog gaps = removed.isEmpty() ? TruncatedLog.NONE : new TruncatedLog(removed, TenantStates.read(consumer()),
                MigrationRuns.read(consumer()));
        Map<Integer, Long> starts = new HashMap<>();
        ends.keySet().forEach(tp -> starts.put(tp.partition(), Math.max(needed, firsts.get(tp))));
        Run run = new Run(ends, starts, tenants, listener, quarantined, from < 0 ? seeds : null, files, gaps);
        try (TenantDatabasePool pool = new TenantDatabasePool(files, config.limits(), config.maxOpenTenants())) {
            RecordApplier records = new RecordApplier(pool, config.maxResultRows(), config.keys(), TenantRecovery.NONE, SnapshotRequests.IGNORED, past(), true, false);
            ColdAtEnd coldAtEnd = keepCold && seeds != null ? new ColdAtEnd() : null;
            if (coldAtEnd != null) records.leavingColdAtEnd(coldAtEnd);
            try {
                run.seedAhead();
                run.loop(consumer, records);
                if (coldAtEnd != null) run.leftCold(coldAtEnd.apply(pool, run.seededAt()));
            } catch (SQLException | RuntimeException e) {
                records.group().abort();
                throw e;
            }
        }
        ReplayProgress done = run.report(true);
        List<String> stranded = run.stranded();
        if (!stranded.isEmpty()) throw new RecordsRemovedException(stranded, done);
        List<String> incomplete = run.removeIncomplete();
        if (!incomplete.isEmpty()) throw new ErasedContentException(incomplete, run.ownErased(), done);
        return done;
    }

    /** Builds what a {@code RestoreFrom} met in this replay names, with this replay's log and snapshots. */
    private PastContent past() {
        return new PastContent(kafkaClientProps, config, store, null, points);
    }

    /** What a replay does with its consumer. */
    private interface ConsumerWork {
        ReplayProgress run(KafkaConsumer<String, byte[]> consumer) throws SQLException;
    }

    /**
     * Runs {@code work} with a new consumer, then closes it without waiting: it has no group, so there is
     * nothing to commit or leave, and the default close took 14-26 ms of a build of a few records.
     */
    private ReplayProgress withConsumer(ConsumerWork work) throws SQLException {
        KafkaConsumer<String, byte[]> consumer = consumer();
        try {
            return work.run(consumer);
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Map<String, Object> p = new HashMap<>(kafkaClientProps);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cairn-replay");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        // A replay reads a fixed stretch and stops: a fetch that finds little should come back at once, not
        // wait the default 500 ms for more (a restore of a few records took half a second).
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The state of one replay: what is left, counters, the last report. */
    private final class Run {
        private final Map<TopicPartition, Long> ends;
        private final Predicate<String> tenants;
        private final Consumer<ReplayProgress> listener;
        private final Set<Bookmark> quarantined;
        private final Map<Integer, Long> read = new HashMap<>();
        private final Set<TopicPartition> remaining = new HashSet<>();
        private final long start = System.nanoTime();
        private long lastReport = start;
        private long applied;
        private long statements;

        private final SnapshotSeeds seeds;
        private final TenantFiles target;
        private final TruncatedLog gaps;
        private final Set<String> seen = new HashSet<>();
        /** Tenants of truncated partitions no snapshot could seed: their records wait for their creation. */
        private final Set<String> unseeded = new HashSet<>();
        /**
         * Tenants whose present life lacks content the live applier gave it: a record of theirs erased (its data
         * key destroyed by a later delete), or a fork whose source was erased since. Their next creation or delete
         * starts them afresh.
         */
        private final Set<String> incomplete = new HashSet<>();
        /** Of {@link #incomplete}, those with records of their own erased (so deleted since), not only a fork's source. */
        private final Set<String> ownErased = new HashSet<>();
        private long seeded;
        /** The snapshot offset each tenant started from, of those started from a snapshot. */
        private final Map<String, Long> seededAt = new HashMap<>();
        private long leftCold;

        Run(Map<TopicPartition, Long> ends, Map<Integer, Long> starts, Predicate<String> tenants, Consumer<ReplayProgress> listener,
                Set<Bookmark> quarantined, SnapshotSeeds seeds, TenantFiles target, TruncatedLog gaps) {
            this.seeds = seeds;
            this.target = target;
            this.gaps = gaps;
            this.ends = ends;
            this.tenants = tenants;
            this.listener = listener;
            this.quarantined = quarantined;
            ends.forEach((tp, end) -> {
                long start = starts.get(tp.partition());
                read.put(tp.partition(), start);
                if (end > start) remaining.add(tp);
            });
        }

        /**
         * Seeds, before any record is read, every existing tenant of a truncated partition: some have no
         * record left in the log at all (an idle tenant its snapshot keeps, a cold one).
         */
        void seedAhead() throws SQLException {
            for (String tenant : gaps.tenantsToSeed(tenants)) {
                int partition = gaps.partitionOf(tenant);
                if (seed(tenant, partition, gaps.snapshotFloor(tenant, partition))) seen.add(tenant);
                else unseeded.add(tenant);
            }
        }

        /** Existing tenants that could not be rebuilt, sorted. */
        List<String> stranded() {
            return unseeded.stream().filter(gaps::exists).sorted().toList();
        }

        /** Removes the files of the tenants that could not be rebuilt as they were ({@link #incomplete}); returns them, sorted. */
        List<String> removeIncomplete() {
            incomplete.forEach(target::removeHotCopy);
            return incomplete.stream().sorted().toList();
        }

        /** Of {@link #incomplete()}, the tenants with records of their own erased. */
        Set<String> ownErased() {
            return Set.copyOf(ownErased);
        }

        void loop(KafkaConsumer<String, byte[]> consumer, RecordApplier records) throws SQLException {
            while (!remaining.isEmpty()) {
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(200));
                for (TopicPartition tp : batch.partitions()) {
                    if (!remaining.contains(tp)) continue;
                    long end = ends.get(tp);
                    for (ConsumerRecord<String, byte[]> r : batch.records(tp)) {
                        if (r.offset() >= end) break;
                        read.put(tp.partition(), r.offset() + 1);
                        apply(r, records);
                    }
                }
                for (TopicPartition tp : List.copyOf(remaining)) {
                    if (consumer.position(tp) >= ends.get(tp)) {
                        remaining.remove(tp);
                        read.put(tp.partition(), ends.get(tp));
                        consumer.pause(List.of(tp));
                    }
                }
                commit(records.group()); // like the live applier, at the end of every poll loop
                if (System.nanoTime() - lastReport >= REPORT_EVERY.toNanos()) report(false);
            }
            commit(records.group());
        }

        private void apply(ConsumerRecord<String, byte[]> r, RecordApplier records) throws SQLException {
            if (r.value() == null) return;
            // Records are keyed by their tenant: another tenant's record is skipped without decoding it (a
            // replay of one tenant reads its whole partition, mostly others' records).
            if (r.key() != null && !tenants.test(r.key())) return;
            TenantCommand cmd = Serdes.COMMAND.decode(r.value());
            if (!tenants.test(cmd.getTenant())) return;
            Bookmark position = new Bookmark(r.partition(), r.offset());
            if (quarantined.contains(position)) return; // the live applier set it aside: nothing of it was applied
            GroupCommit group = records.group();
            if (seen.add(cmd.getTenant()) && TenantId.isValid(cmd.getTenant()) && !unseeded.contains(cmd.getTenant())) {
                boolean truncated = gaps.truncated(r.partition());
                boolean placed = seeds != null && seed(cmd.getTenant(), r.partition(),
                        truncated ? gaps.snapshotFloor(cmd.getTenant(), r.partition()) : 0);
                if (!placed && truncated) unseeded.add(cmd.getTenant());
            }
            if (unseeded.contains(cmd.getTenant())) {
                if (!gaps.beginsTenant(cmd)) return; // its earlier records are gone: applying these would build a wrong tenant
                unseeded.remove(cmd.getTenant());
            }
            Outcome outcome;
            try {
                outcome = records.apply(cmd, position, () -> commitUnchecked(group));
            } catch (ErasedContentException e) {
                // A fork whose source is erased: its content cannot be built again (its own snapshot holds it).
                incomplete.add(cmd.getTenant());
                return;
            }
            if (outcome instanceof Outcome.Failed f && f.code() == ErrorCode.TENANT_ERASED) {
                incomplete.add(cmd.getTenant());
                ownErased.add(cmd.getTenant());
            } else if (cmd.getPayload() instanceof DeleteTenant || (cmd.getPayload() instanceof CreateTenant && outcome instanceof Outcome.Applied)) {
                incomplete.remove(cmd.getTenant());
                ownErased.remove(cmd.getTenant());
            }
            if (outcome instanceof Outcome.Skipped) return; // a snapshot it started from holds it
            applied++;
            if (cmd.getPayload() instanceof ExecuteBatch b) statements += b.getStatements().size();
            else if (Sealing.isSealed(cmd) && outcome instanceof Outcome.Applied a) statements += a.results().size(); // one result per statement
            if (group.size() >= config.groupCommitMaxRecords()) commit(group);
        }

        /**
         * Places the tenant's newest usable snapshot at or after {@code floor} and within the replay's end
         * as its file, before its first record; false when there is none.
         */
        private boolean seed(String tenant, int partition, long floor) throws SQLException {
            Path scratch = target.scratchDir(tenant);
            try {
                long at = seeds.seed(tenant, floor, ends.get(new TopicPartition(TopicCatalog.TENANT_LOG, partition)) - 1, scratch);
                if (at < 0) return false;
                Path file = new TenantFiles(scratch).database(tenant);
                if (ConsistentCopy.positionOf(file).partition() != partition) return false; // not this log's tenant: replay it
                target.install(tenant, file);
                seeded++;
                seededAt.put(tenant, at);
                return true;
            } catch (java.io.IOException e) {
                throw new SQLException("could not place the snapshot of " + tenant, e);
            } finally {
                TenantRecovery.deleteTree(scratch);
            }
        }

        Map<String, Long> seededAt() {
            return seededAt;
        }

        void leftCold(int tenants) {
            leftCold = tenants;
        }

        ReplayProgress report(boolean last) {
            lastReport = System.nanoTime();
            Map<Integer, Long> total = new HashMap<>();
            ends.forEach((tp, end) -> total.put(tp.partition(), end));
            ReplayProgress p = new ReplayProgress(read, total, applied, statements, lastReport - start, seeded, leftCold);
            listener.accept(p);
            return p;
        }

        private void commit(GroupCommit group) throws SQLException {
            if (group.isEmpty()) return;
            try {
                group.commit(System.currentTimeMillis());
            } catch (GroupCommit.CommitFailed e) {
                throw new SQLException("replay: " + e.getMessage(), e.getCause());
            }
        }

        private void commitUnchecked(GroupCommit group) {
            try {
                commit(group);
            } catch (SQLException e) {
                throw new IllegalStateException("group commit failed during replay", e);
            }
        }
    }
}
