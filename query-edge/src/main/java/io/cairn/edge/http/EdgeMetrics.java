package io.cairn.edge.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * The edge's meters: requests by route, method and status; write and read latency. {@code scrape}
 * renders the Prometheus text for {@code GET /metrics}.
 */
public final class EdgeMetrics {
    private final MeterRegistry registry;
    private final Supplier<String> scrape;
    private final Timer writes;
    private final Timer reads;
    private final Counter damagedFiles;
    private final Counter repairs;
    private final Counter coldReads;
    private final Counter thaws;

    public EdgeMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
        this.registry = registry;
        this.scrape = prometheus::scrape;
        this.writes = Timer.builder("cairn.edge.write.latency").description("execute requests, end to end")
                .publishPercentileHistogram().register(registry);
        this.reads = Timer.builder("cairn.edge.read.latency").description("query requests, end to end")
                .publishPercentileHistogram().register(registry);
        // Registered at start, at 0: a counter that appears only at its first event starts at 1, and rate() or
        // increase() never sees that event (operations.md alerts on the first damaged file).
        this.damagedFiles = Counter.builder("cairn.edge.damaged.files").description("tenant files found damaged or missing by the edge")
                .register(registry);
        this.repairs = Counter.builder("cairn.edge.repairs").description("RepairTenant records the edge appended").register(registry);
        this.coldReads = Counter.builder("cairn.edge.cold.reads").description("reads of cold tenants served from their snapshot").register(registry);
        this.thaws = Counter.builder("cairn.edge.thaws").description("Thaw records the edge appended for reads of cold tenants").register(registry);
    }

    /** A series of {@code cairn.edge.requests}: few (the routes, {@link #methodLabel}'s names, the statuses the edge answers). */
    private record RequestSeries(String route, String method, int status) {}

    /** Each series' counter, found once: registering it again on every request built its id and looked it up (a profile). */
    private final java.util.concurrent.ConcurrentHashMap<RequestSeries, Counter> requests = new java.util.concurrent.ConcurrentHashMap<>();

    void request(String route, String method, int status) {
        requests.computeIfAbsent(new RequestSeries(route, methodLabel(method), status), s -> Counter.builder("cairn.edge.requests")
                .description("HTTP requests answered by the edge, by route, method and status").tag("route", s.route())
                .tag("method", s.method()).tag("status", Integer.toString(s.status())).register(registry)).increment();
    }

    /** HTTP's methods and WebDAV's are few; any other name a client sends is "other", so no client can add series without end. */
    private static final java.util.Set<String> KNOWN_METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
            "OPTIONS", "TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK");

    static String methodLabel(String method) {
        return method != null && KNOWN_METHODS.contains(method) ? method : "other";
    }

    /** A tenant file found damaged or missing (by the check before serving, by SQLite while reading, or absent). */
    void damagedFile() {
        damagedFiles.increment();
    }

    /** A repair of a tenant's file asked of the applier. */
    void repairRequested() {
        repairs.increment();
    }

    /** A read of a cold tenant served from its snapshot (a local copy), the tenant left cold. */
    void coldRead() {
        coldReads.increment();
    }

    /** A read found its tenant cold and asked the applier for a thaw. */
    void thawRequested() {
        thaws.increment();
    }

    /** Files checked before first being served, and the time those checks took. */
    public void verificationsFrom(io.cairn.edge.read.ReadPool pool) {
        io.micrometer.core.instrument.FunctionCounter.builder("cairn.edge.file.checks", pool, io.cairn.edge.read.ReadPool::verifications)
                .description("tenant files checked (quick_check) before the edge first served them").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("cairn.edge.file.check.seconds", pool, p -> p.verifyNanos() / 1e9)
                .description("time spent checking tenant files before serving them").register(registry);
    }

    /** Outcomes the applier of this process told before their record was read from the log ({@code OutcomeReader#committedHere}). */
    public void outcomesFrom(io.cairn.edge.write.OutcomeReader outcomes) {
        io.micrometer.core.instrument.FunctionCounter.builder("cairn.edge.outcomes.here", outcomes, io.cairn.edge.write.OutcomeReader::answeredHere)
                .description("requests answered on their outcome as the applier of this process committed it, before its record"
                        + " reached cairn.tenant-results").register(registry);
    }

    /** Where the edge's meters are registered. */
    public MeterRegistry registry() {
        return registry;
    }

    Timer writes() {
        return writes;
    }

    Timer reads() {
        return reads;
    }

    String scrape() {
        return scrape.get();
    }
}
