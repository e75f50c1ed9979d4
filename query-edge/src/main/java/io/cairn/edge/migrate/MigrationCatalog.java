package io.cairn.edge.migrate;

import io.cairn.topics.PendingMigration;
import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.RunControl;
import io.cairn.topics.avro.RunStarted;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.VersionRegistered;
import io.cairn.topics.avro.WaveSent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The migration sets and runs as {@code cairn.migrations} holds them, read in log order by every edge
 * ({@link MigrationLog} appends every event to one partition). For one (set, version) the first
 * registration in the log wins and later ones are ignored; a version whose predecessor is not registered
 * yet waits for it, unseen, and so do a run's waves and controls read before the run: records written to
 * several partitions (before {@link MigrationLog#PARTITION}) are read back in no fixed order across them,
 * and a version dropped for it was lost after a restart. Thread-safe.
 */
public final class MigrationCatalog {
    private final ExpectedSchemas expectedSchemas = new ExpectedSchemas();
    /** One registered version. */
    public record Version(String set, int version, String checksum, List<String> statements, String description,
            long registeredAtMs, String requestId) {}

    /** One started run. */
    public record Run(String runId, String set, int targetVersion, List<String> tenants, long startedAtMs, String requestId,
            RunStarted started) {
        public int canary() {
            return started.getCanary();
        }

        public int waveSize() {
            return started.getWaveSize();
        }

        public double maxFailureRate() {
            return started.getMaxFailureRate();
        }
    }

    /** Where a run's waves are: how many of its tenants were sent their record, and its phase. */
    public record Progress(int sent, Phase phase, String reason) {}

    /** {@code running}: waves go out; {@code paused}, {@code halted} (by its failure rate), {@code aborted}: no more do. */
    public enum Phase { RUNNING, PAUSED, HALTED, ABORTED }

    private final Map<String, TreeMap<Integer, Version>> sets = new HashMap<>();
    private final Map<String, Run> runs = new HashMap<>();
    private final Map<Integer, Long> consumed = new HashMap<>();
    private final Map<String, List<Run>> runsByTenant = new HashMap<>();
    private final Map<String, Progress> progress = new HashMap<>();
    /** Per run, where each tenant's ApplyMigration is in its log (by the run's tenant order); -1 while unknown. */
    private final Map<String, long[]> recordOffsets = new HashMap<>();
    /** Per run, each tenant's place in the run's tenant order. */
    private final Map<String, Map<String, Integer>> places = new HashMap<>();

    /** Versions read before their predecessor, by set and version, in the order read: each waits for it. */
    private final Map<String, TreeMap<Integer, List<Version>>> waitingVersions = new HashMap<>();
    /** Waves and controls read before their run, by run id, in the order read. */
    private final Map<String, List<MigrationEvent>> waitingForRun = new HashMap<>();

    /** Takes one record of the topic, at {@code partition}/{@code offset}, in log order. */
    public synchronized void accept(int partition, long offset, MigrationEvent e) {
        apply(e);
        consumed.merge(partition, offset + 1, Math::max);
        notifyAll();
    }

    private void apply(MigrationEvent e) {
        switch (e.getPayload()) {
            case VersionRegistered v when v.getReplaces() != null && version(v.getSet(), v.getVersion()).isPresent() -> replace(new Version(
                    v.getSet(), v.getVersion(), v.getChecksum(), List.copyOf(v.getStatements()), v.getDescription(), e.getAtMs(), e.getRequestId()),
                    v.getReplaces());
            case VersionRegistered v -> register(new Version(v.getSet(), v.getVersion(), v.getChecksum(), List.copyOf(v.getStatements()),
                    v.getDescription(), e.getAtMs(), e.getRequestId()));
            case RunStarted r -> {
                Run run = new Run(r.getRunId(), r.getSet(), r.getTargetVersion(), List.copyOf(r.getTenants()), e.getAtMs(), e.getRequestId(), r);
                if (runs.putIfAbsent(r.getRunId(), run) == null) {
                    for (String t : run.tenants()) runsByTenant.computeIfAbsent(t, k -> new ArrayList<>(1)).add(run);
                    progress.put(run.runId(), new Progress(0, Phase.RUNNING, ""));
                    long[] unknown = new long[run.tenants().size()];
                    java.util.Arrays.fill(unknown, -1);
                    recordOffsets.put(run.runId(), unknown);
                    Map<String, Integer> place = new HashMap<>();
                    for (int i = 0; i < run.tenants().size(); i++) place.putIfAbsent(run.tenants().get(i), i);
                    places.put(run.runId(), place);
                    List<MigrationEvent> early = waitingForRun.remove(run.runId());
                    if (early != null) early.forEach(this::apply);
                }
            }
            case WaveSent w when !runs.containsKey(w.getRunId()) -> waitingForRun.computeIfAbsent(w.getRunId(), k -> new ArrayList<>()).add(e);
            case RunControl c when !runs.containsKey(c.getRunId()) -> waitingForRun.computeIfAbsent(c.getRunId(), k -> new ArrayList<>()).add(e);
            case WaveSent w -> {
                progress.computeIfPresent(w.getRunId(), (id, p) -> new Progress(Math.max(p.sent(), w.getTo()), p.phase(), p.reason()));
                long[] at = recordOffsets.get(w.getRunId());
                if (at != null && w.getOffsets().size() == w.getTo() - w.getFrom() && w.getTo() <= at.length) {
                    for (int i = 0; i < w.getOffsets().size(); i++) at[w.getFrom() + i] = w.getOffsets().get(i);
                }
            }
            case RunControl c -> progress.computeIfPresent(c.getRunId(), (id, p) -> control(p, c));
            default -> { } // a later kind of record this edge does not know yet
        }
    }

    /** Adds {@code v} unless its version is taken; before its predecessor, it waits; then any that waited on it follow. */
    private void register(Version v) {
        TreeMap<Integer, Version> versions = sets.computeIfAbsent(v.set(), k -> new TreeMap<>());
        if (v.version() != 1 && !versions.containsKey(v.version() - 1)) {
            waitingVersions.computeIfAbsent(v.set(), k -> new TreeMap<>()).computeIfAbsent(v.version(), k -> new ArrayList<>()).add(v);
            if (versions.isEmpty()) sets.remove(v.set());
            return;
        }
        versions.putIfAbsent(v.version(), v);
        TreeMap<Integer, List<Version>> waiting = waitingVersions.get(v.set());
        List<Version> next = waiting == null ? null : waiting.remove(v.version() + 1);
        if (next != null) next.forEach(this::register); // the first read of them wins, as in the log
    }

    /**
     * {@code v} takes the place of its set's version of checksum {@code replaces} when that is still the set's latest version,
     * else it is nothing: a replacement read after another, or after a later version, loses, as a second registration does.
     * (One read where the version is free, its first registration removed by compaction, registers as a first one would.)
     */
    private void replace(Version v, String replaces) {
        TreeMap<Integer, Version> versions = sets.get(v.set());
        Version current = versions.get(v.version());
        if (current.checksum().equals(replaces) && versions.lastKey() == v.version()) versions.put(v.version(), v);
    }

    /** Aborted and halted are final; pause and resume switch between running and paused. */
    private static Progress control(Progress p, RunControl c) {
        if (p.phase() == Phase.ABORTED || p.phase() == Phase.HALTED) return p;
        return switch (c.getAction()) {
            case "pause" -> new Progress(p.sent(), Phase.PAUSED, c.getReason());
            case "resume" -> new Progress(p.sent(), Phase.RUNNING, "");
            case "abort" -> new Progress(p.sent(), Phase.ABORTED, c.getReason());
            case "halt" -> new Progress(p.sent(), Phase.HALTED, c.getReason());
            default -> p;
        };
    }

    public synchronized Optional<Progress> progress(String runId) {
        return Optional.ofNullable(progress.get(runId));
    }

    /**
     * Where each of the run's tenants' ApplyMigration is in that tenant's log, in the run's tenant order
     * (a copy); -1 where not sent yet, or sent by an edge that did not record it.
     */
    public synchronized long[] recordOffsets(String runId) {
        long[] at = recordOffsets.get(runId);
        return at == null ? new long[0] : at.clone();
    }

    /** Where the run's ApplyMigration for {@code tenant} is in the tenant's log; -1 when not sent, unknown, or no such run. */
    public synchronized long recordOffset(String runId, String tenant) {
        Integer place = places.getOrDefault(runId, Map.of()).get(tenant);
        long[] at = recordOffsets.get(runId);
        return place == null || at == null ? -1 : at[place];
    }

    /** Waits until the record at {@code partition}/{@code offset} was taken; false on timeout. */
    public synchronized boolean awaitConsumed(int partition, long offset, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumed.getOrDefault(partition, 0L) <= offset) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    public synchronized Optional<Version> version(String set, int version) {
        TreeMap<Integer, Version> versions = sets.get(set);
        return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
    }

    /**
     * Version to the hash of the schema the set's versions 1 to it build on an empty database (0: the empty schema);
     * a version that cannot run there, and those after it, are missing ({@link ExpectedSchemas}).
     */
    public Map<Integer, String> expectedSchemas(String set) {
        return expectedSchemas.of(set, versions(set));
    }

    /** The set's versions in order; empty when the set has none. */
    public synchronized List<Version> versions(String set) {
        TreeMap<Integer, Version> versions = sets.get(set);
        return versions == null ? List.of() : List.copyOf(versions.values());
    }

    /** Versions 1 to {@code target} of {@code set} as an {@code ApplyMigration} carries them; empty when none. */
    public synchronized List<MigrationVersion> upTo(String set, int target) {
        TreeMap<Integer, Version> versions = sets.get(set);
        if (versions == null) return List.of();
        return versions.headMap(target, true).values().stream().map(v -> MigrationVersion.newBuilder().setVersion(v.version())
                .setChecksum(v.checksum()).setStatements(v.statements()).build()).toList();
    }

    /** The highest registered version of {@code set}; 0 when none. */
    public synchronized int latest(String set) {
        TreeMap<Integer, Version> versions = sets.get(set);
        return versions == null || versions.isEmpty() ? 0 : versions.lastKey();
    }

    /** Every set's name, sorted. */
    public synchronized List<String> sets() {
        return new ArrayList<>(new TreeMap<>(sets).keySet());
    }

    /**
     * True when a run sent {@code state}'s tenant a migration its state does not show yet (neither applied
     * nor failed by that run): a cold tenant's snapshot then no longer shows what its next read must see.
     * A run that halted or was aborted before its wave reached the tenant never sent it anything: such a
     * tenant is not waited on (its export reads its snapshot, without a thaw). A running or paused run counts
     * every tenant it lists: a wave's records reach the tenants' logs before its {@code WaveSent} is read here.
     * A tenant whose state is past the run's record for it is not waited on either, whatever its versions.
     */
    public synchronized boolean pendingFor(TenantState state) {
        List<Run> mine = runsByTenant.get(state.getTenant());
        if (mine == null) return false;
        for (Run r : mine) {
            if (!PendingMigration.waitsOn(r.started(), r.startedAtMs(), state)) continue;
            long record = recordOffset(r.runId(), state.getTenant());
            // Past its record (its file applied it: a cold tenant's state is its file's), the run waits on nothing: the tenant
            // failed it, a restore took it below the target since, or a later run left it there. Thawing it would not move it.
            if (record >= 0 && state.getAppliedOffset() >= record) continue;
            Progress p = progress.get(r.runId());
            boolean stopped = p != null && (p.phase() == Phase.HALTED || p.phase() == Phase.ABORTED);
            if (stopped && r.tenants().indexOf(state.getTenant()) >= p.sent()) continue; // its wave was never sent
            return true;
        }
        return false;
    }

    public synchronized Optional<Run> run(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    /** The set's runs, oldest first. */
    public synchronized List<Run> runs(String set) {
        return runs.values().stream().filter(r -> r.set().equals(set))
                .sorted(java.util.Comparator.comparingLong(Run::startedAtMs).thenComparing(Run::runId)).toList();
    }
}
