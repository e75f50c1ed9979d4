package io.cairn.infra.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * {@code metrics:} in {@code cairn.yaml}: outputs besides Prometheus' {@code /metrics}, which is always on.
 *
 * @param emf CloudWatch embedded metric format (docs/operations.md), or null for none
 */
public record MetricsSettings(@JsonProperty("emf") Emf emf) {
    /**
     * @param agentEndpoint {@code tcp://host:port} or {@code udp://host:port} of a CloudWatch agent's EMF
     *                      listener (the ECS sidecar: {@code tcp://127.0.0.1:25888}); null: one JSON
     *                      document per line on standard output (Lambda, or a log driver that extracts EMF)
     * @param namespace     CloudWatch namespace; default {@code Cairn}
     * @param every         how often, and over what step, figures are published (10s..15m); default 60s
     */
    public record Emf(@JsonProperty("agent_endpoint") String agentEndpoint, @JsonProperty("namespace") String namespace,
                      @JsonProperty("every") String every) {
        public Emf {
            if (agentEndpoint != null && !agentEndpoint.matches("(tcp|udp)://[^/:]+:\\d+")) {
                throw new IllegalArgumentException("metrics.emf.agent_endpoint must be tcp://host:port or udp://host:port, not '" + agentEndpoint + "'");
            }
            namespace = namespace == null ? "Cairn" : namespace;
            if (!namespace.matches("[A-Za-z0-9./#:_-]{1,255}")) throw new IllegalArgumentException("metrics.emf.namespace: letters, digits and ./#:_- only");
            every = every == null ? "60s" : every;
            Duration d = Durations.parse("metrics.emf.every", every);
            if (d.compareTo(Duration.ofSeconds(10)) < 0 || d.compareTo(Duration.ofMinutes(15)) > 0) {
                throw new IllegalArgumentException("metrics.emf.every must be between 10s and 15m, not " + every);
            }
        }

        public Duration step() {
            return Durations.parse("metrics.emf.every", every);
        }
    }
}
