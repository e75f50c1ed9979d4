package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** What a client sends never becomes a label of its own: series stay bounded whatever arrives. */
class EdgeMetricsTest {
    @Test
    void aMethodNameNoHttpHasIsCountedAsOtherNotAsASeriesOfItsOwn() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EdgeMetrics metrics = new EdgeMetrics(registry, registry);
        for (int i = 0; i < 500; i++) metrics.request("unmatched", "X" + i + "RANDOM", 405);
        metrics.request("unmatched", "GET", 404);
        assertThat(registry.find("cairn.edge.requests").counters()).hasSize(2);
        assertThat(registry.get("cairn.edge.requests").tag("method", "other").counter().count()).isEqualTo(500);
        assertThat(registry.get("cairn.edge.requests").tag("method", "GET").counter().count()).isEqualTo(1);
    }
}
