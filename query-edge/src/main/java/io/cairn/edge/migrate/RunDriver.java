package io.cairn.edge.migrate;

import io.cairn.edge.directory.TenantDirectory;
import io.cairn.edge.migrate.MigrationCatalog.Phase;
import io.cairn.edge.migrate.MigrationCatalog.Progress;
import io.cairn.edge.migrate.MigrationCatalog.Run;
import io.cairn.edge.read.CopyTracker;
import io.cairn.edge.write.CommandGateway;
import io.cairn.edge.write.Commands;
import io.cairn.edge.write.LogUnavailableException;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.RunControl;
import io.cairn.topics.avro.WaveSent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a run's waves: the canary first (when the run has one), then waves of {@code wave_size} (or all
 * that are left), each once every tenant of the waves before it settled (applied, failed, or waiting
 * cold), and none once the failure rate of the settled tenants passed the run's {@code
 * max_failure_rate} (the run halts itself) or the run was paused or aborted. Each wave's records go to
 * the tenants' logs (paced by the applier: {@link RunPacer}) before its {@code WaveSent} goes to {@code cairn.migrations}, so an edge that stops
 * mid-wave leaves a wave that a resume sends again (a tenant that gets its record twice applies it
 * once). The edge that starts or resumes a run drives it, on a virtual thread. Thread-safe.
 */
public final class RunDriver {
    private static final Logger log = LoggerFactory.getLogger(RunDriver.class);
    private static final Duration SETTLE_POLL = Duration.ofMillis(100);

    private final MigrationCatalog catalog;
    private final MigrationLog migrationLog;
    private final CommandGateway gateway;
    private final TenantDirectory directory;
    private final Duration timeout;
    private final CopyTracker copies;
    private final Set<String> driving = ConcurrentHashMap.newKeySet();

    public RunDriver(MigrationCatalog catalog, MigrationLog migrationLog, CommandGateway gateway, TenantDirectory directory,
            Duration timeout, CopyTracker copies) {
        this.copies = copies;
        this.catalog = catalog;
        this.migrationLog = migrationLog;
        this.gateway = gateway;
        this.directory = directory;
        this.timeout = timeout;
    }

    /** Per run not driven here: the waves sent when it was first seen settled with waves to send, and since when. */
    private final Map<String, long[]> stalled = new ConcurrentHashMap<>();

    /**
     * Drives here each run left running with waves to send and nothing pending for {@code quiet}: the edge that drove it
     * stopped (a live driver sends the next wave as soon as the last one settled). Before, such a run said "running" and
     * never moved until someone called resume. Two edges driving one run send a wave twice at worst, and a tenant that
     * receives its record twice applies it once.
     */
    public void adoptStalled(Duration quiet) {
        for (String set : catalog.sets()) {
            for (Run run : catalog.runs(set)) {
                String id = run.runId();
                Progress p = catalog.progress(id).orElse(null);
                if (driving.contains(id) || p == null || p.phase() != Phase.RUNNING || p.sent() >= run.tenants().size()
                        || RunStatus.of(run, p.sent(), catalog, directory, 0).pending() > 0) {
                    stalled.remove(id);
                    continue;
                }
                long[] seen = stalled.get(id);
                if (seen == null || seen[0] != p.sent()) {
                    stalled.put(id, new long[] {p.sent(), System.nanoTime()});
                } else if (System.nanoTime() - seen[1] >= quiet.toNanos()) {
                    log.warn("migration run {}: settled with {} of {} tenants sent and nothing sending the rest for {} s; driving it here",
                            id, p.sent(), run.tenants().size(), quiet.toSeconds());
                    stalled.remove(id);
                    drive(id);
                }
            }
        }
    }

    /** Sends the run's next wave now, on the caller's thread (the first wave of a new run); false when none is due. */
    public boolean sendNextWave(String runId) throws InterruptedException {
        Run run = catalog.run(runId).orElseThrow();
        Progress p = catalog.progress(runId).orElseThrow();
        if (p.phase() != Phase.RUNNING || p.sent() >= run.tenants().size()) return false;
        int size = p.sent() == 0 && run.canary() > 0 ? run.canary() : run.waveSize() > 0 ? run.waveSize() : run.tenants().size() - p.sent();
        int to = Math.min(run.tenants().size(), p.sent() + size);
        List<Long> offsets = send(run, run.tenants().subList(p.sent(), to));
        MigrationEvent wave = MigrationEvent.newBuilder().setRequestId(UUID.randomUUID().toString()).setAtMs(System.currentTimeMillis())
                .setPayload(WaveSent.newBuilder().setRunId(runId).setFrom(p.sent()).setTo(to).setOffsets(offsets).build()).build();
        Bookmark at = migrationLog.append("wave/" + runId + "/" + to, wave, timeout);
        catalog.awaitConsumed(at.partition(), at.offset(), timeout);
        return true;
    }

    /** Drives the run's remaining waves in the background, unless this edge drives it already. */
    public void drive(String runId) {
        if (!driving.add(runId)) return;
        Thread.ofVirtual().name("cairn-migration-run-" + runId).start(() -> {
            try {
                while (step(runId)) {
                    // next wave
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.error("migration run {}: stopped driving it ({}); POST .../runs/{}/resume continues it", runId, e.toString(), runId);
            } finally {
                driving.remove(runId);
            }
        });
    }

    /** Waits for the sent waves to settle, then halts the run or sends the next wave; false when nothing is left to do. */
    private boolean step(String runId) throws InterruptedException {
        Run run = catalog.run(runId).orElseThrow();
        while (true) {
            Progress p = catalog.progress(runId).orElseThrow();
            if (p.phase() != Phase.RUNNING || p.sent() >= run.tenants().size()) return false;
            RunStatus status = RunStatus.of(run, p.sent(), catalog, directory, 0);
            if (status.pending() == 0) {
                if (status.failureRate() > run.maxFailureRate()) {
                    control(runId, "halt", String.format("%d of %d settled tenants failed (%.1f%%), above max_failure_rate %.1f%%",
                            status.failed(), status.applied() + status.failed(), 100 * status.failureRate(), 100 * run.maxFailureRate()));
                    return false;
                }
                return sendNextWave(runId);
            }
            Thread.sleep(SETTLE_POLL);
        }
    }

    /** Appends a pause, resume, abort or halt and waits until this edge read it back. */
    public void control(String runId, String action, String reason) throws InterruptedException {
        MigrationEvent event = MigrationEvent.newBuilder().setRequestId(UUID.randomUUID().toString()).setAtMs(System.currentTimeMillis())
                .setPayload(RunControl.newBuilder().setRunId(runId).setAction(action).setReason(reason).build()).build();
        Bookmark at = migrationLog.append("control/" + runId + "/" + event.getRequestId(), event, timeout);
        catalog.awaitConsumed(at.partition(), at.offset(), timeout);
    }

    /**
     * One ApplyMigration to each tenant, in slices paced by the applier ({@link RunPacer}), each slice's records in
     * flight at once; returns, once Kafka acknowledged every one, where each went in its log.
     */
    private List<Long> send(Run run, List<String> tenants) throws InterruptedException {
        List<MigrationVersion> versions = catalog.upTo(run.set(), run.targetVersion());
        RunPacer pacer = new RunPacer(run.runId(), copies);
        List<Long> offsets = new ArrayList<>(tenants.size());
        for (int from = 0; from < tenants.size(); from += RunPacer.SLICE) {
            pacer.beforeSlice();
            List<CompletableFuture<Bookmark>> sent = new ArrayList<>(RunPacer.SLICE);
            for (String tenant : tenants.subList(from, Math.min(tenants.size(), from + RunPacer.SLICE))) {
                sent.add(gateway.appendAsync(Commands.applyMigration(tenant, run.runId(), run.set(), run.targetVersion(), versions)));
            }
            Map<Integer, Long> ends = new HashMap<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            for (CompletableFuture<Bookmark> f : sent) {
                Bookmark at = acknowledged(f, deadline);
                offsets.add(at.offset());
                ends.merge(at.partition(), at.offset() + 1, Math::max);
            }
            pacer.sent(ends);
        }
        return offsets;
    }

    private static Bookmark acknowledged(CompletableFuture<Bookmark> f, long deadlineNanos) throws InterruptedException {
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new LogUnavailableException(e);
        }
    }
}
