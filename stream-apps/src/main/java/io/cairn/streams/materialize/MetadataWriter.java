package io.cairn.streams.materialize;

import io.cairn.connectors.metadata.AccessReport;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.metadata.MetadataStoreException;
import io.cairn.connectors.metadata.TenantRecord;
import io.cairn.topics.avro.TenantState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a batch of changes to the metadata store: one job per tenant (its newest state or deletion,
 * then its access reports in arrival order), {@code concurrency} jobs at once. Every write the store
 * offers is idempotent and ordered by position, so a job is simply run again when it fails with a
 * retriable error (DynamoDB unreachable, throttled), with backoff, for up to {@code retryFor}; then
 * {@link Stalled} is thrown and nothing of the batch counts as written. A non-retriable failure (an
 * item DynamoDB refuses) is logged and counted, and that tenant's job is dropped: the table is a view,
 * and replaying the topics rebuilds it.
 */
final class MetadataWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataWriter.class);
    private static final long MAX_BACKOFF_MS = 30_000;

    /** Retriable failures lasted longer than allowed. */
    static final class Stalled extends RuntimeException {
        Stalled(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final MetadataStore store;
    private final Semaphore inFlight;
    private final Duration retryFor;
    private final MaterializerMetrics metrics;
    private final KeySync keys;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean stopping;

    MetadataWriter(MetadataStore store, int concurrency, Duration retryFor, MaterializerMetrics metrics) {
        this.store = store;
        this.inFlight = new Semaphore(concurrency);
        this.retryFor = retryFor;
        this.metrics = metrics;
        this.keys = new KeySync(store);
    }

    /** Writes everything; returns once all of it is in the store, or throws {@link Stalled}. */
    void write(List<PendingChanges.StateChange> states, List<AccessReport> reports) throws InterruptedException {
        Map<String, TenantJob> jobs = new LinkedHashMap<>();
        for (PendingChanges.StateChange s : states) jobs.computeIfAbsent(s.tenant(), TenantJob::new).state = s;
        for (AccessReport r : reports) jobs.computeIfAbsent(r.tenant(), TenantJob::new).reports.add(r);
        List<Future<?>> running = new ArrayList<>(jobs.size());
        for (TenantJob job : jobs.values()) {
            inFlight.acquire();
            running.add(executor.submit(() -> {
                try {
                    runWithRetries(job);
                } finally {
                    inFlight.release();
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                running.forEach(other -> other.cancel(true));
                if (e.getCause() instanceof Stalled s) throw s;
                throw new Stalled("writing to the metadata store failed: " + e.getCause(), e.getCause());
            }
        }
        metrics.written(states.size(), reports.size());
    }

    private void runWithRetries(TenantJob job) throws InterruptedException {
        long deadline = System.nanoTime() + retryFor.toNanos();
        long backoff = 50;
        while (true) {
            try {
                job.run();
                return;
            } catch (MetadataStoreException e) {
                if (!e.retriable()) {
                    metrics.dropped();
                    log.error("tenant {}: the metadata store refused its changes; left out of the view (a replay writes them again): {}",
                            job.tenant, e.getMessage());
                    return;
                }
                if (stopping || System.nanoTime() > deadline) {
                    throw new Stalled("the metadata store failed for " + retryFor.toSeconds() + " s: " + e.getMessage(), e);
                }
                metrics.retried();
                if (backoff >= 1_000) log.warn("tenant {}: metadata store unavailable ({}); retrying in {} ms", job.tenant, e.getMessage(), backoff);
                TimeUnit.MILLISECONDS.sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    /** One tenant's share of a batch. */
    private final class TenantJob {
        final String tenant;
        PendingChanges.StateChange state;
        final List<AccessReport> reports = new ArrayList<>();

        TenantJob(String tenant) {
            this.tenant = tenant;
        }

        void run() {
            if (state != null) {
                TenantState s = state.state();
                if (s != null) {
                    store.upsert(TenantRecord.from(s, Math.max(s.getCreatedAtMs(), s.getLastWriteMs())));
                    if (!state.deleted()) keys.sync(s);
                }
                if (state.deleted()) {
                    store.delete(tenant);
                    keys.forget(tenant);
                }
            }
            long lastAccess = Long.MIN_VALUE;
            for (AccessReport r : reports) {
                store.addUsage(r);
                lastAccess = Math.max(lastAccess, r.lastAccessMs());
            }
            if (!reports.isEmpty()) store.recordAccess(tenant, lastAccess);
        }
    }

    /** Makes retries give up at once (a shutdown should not wait out an outage); nothing unwritten is committed. */
    void stopRetrying() {
        stopping = true;
    }

    @Override
    public void close() {
        stopping = true;
        executor.shutdownNow();
    }
}
