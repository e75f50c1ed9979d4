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

    public EdgeMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
        this.registry = registry;
        this.scrape = prometheus::scrape;
        this.writes = Timer.builder("cairn.edge.write.latency").description("execute requests, end to end")
                .publishPercentileHistogram().register(registry);
        this.reads = Timer.builder("cairn.edge.read.latency").description("query requests, end to end")
                .publishPercentileHistogram().register(registry);
    }

    void request(String route, String method, int status) {
        Counter.builder("cairn.edge.requests").tag("route", route).tag("method", method)
                .tag("status", Integer.toString(status)).register(registry).increment();
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
