package io.cairn.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

/**
 * {@code /health} (all checks must pass; {@code details} shows figures that never fail it, such as the
 * materializer's lag), {@code /metrics} (Prometheus text) and {@code /v1/openapi.json}. No authentication.
 */
final class OpsRoutes {
    private final EdgeServices s;
    /** Whether every check has passed once: a failing check after that is not a start. */
    private volatile boolean readyOnce;

    /**
     * {@code ok} when every check passes; else {@code starting} until they all passed once, {@code failing} after (a
     * broker whose log directory failed needs an operator, not patience).
     */
    String status(boolean allPass) {
        if (allPass) readyOnce = true;
        return allPass ? "ok" : readyOnce ? "failing" : "starting";
    }

    /**
     * The details shown only while something keeps writes from being applied or taken (the applier waiting out a failure of
     * the machine, the hot volume short of space): with one of them, the status is {@code degraded}.
     */
    static final java.util.List<String> DEGRADING = java.util.List.of("applier", "storage");

    /**
     * What keeps writes from being applied or taken now: the {@link #DEGRADING} details shown, and the applier when the
     * primary copy is {@code behindMs} or more behind the log (a write waits that long for its outcome, so writes are
     * answered {@code write_timeout}) though it names no failure: one record holding the stream thread, or more writes
     * than it applies.
     */
    static ArrayNode degraded(ObjectNode details, long behindMs) {
        ArrayNode degraded = Responses.MAPPER.createArrayNode();
        for (String name : DEGRADING) {
            boolean behind = name.equals("applier") && details.path("copies").path("primary").path("lag_ms").asLong(0) >= behindMs;
            if (details.has(name) || behind) degraded.add(name);
        }
        return degraded;
    }

    OpsRoutes(EdgeServices services) {
        this.s = services;
    }

    void health(Context ctx) {
        ObjectNode out = Responses.object();
        ArrayNode failing = Responses.MAPPER.createArrayNode();
        for (HealthCheck c : s.healthChecks()) {
            boolean ok;
            try {
                ok = c.healthy();
            } catch (RuntimeException e) {
                ok = false;
            }
            if (!ok) failing.add(c.name());
        }
        out.put("status", status(failing.isEmpty()));
        if (!failing.isEmpty()) out.set("failing", failing);
        if (!s.healthDetails().isEmpty()) {
            ObjectNode details = Responses.object();
            s.healthDetails().forEach((name, value) -> {
                try {
                    Object figure = value.get();
                    if (figure != null) details.set(name, Responses.MAPPER.valueToTree(figure)); // null: nothing to show now
                } catch (RuntimeException e) {
                    details.put(name, "unknown");
                }
            });
            ArrayNode degraded = degraded(details, s.config().writeTimeout().toMillis());
            if (failing.isEmpty() && !degraded.isEmpty()) {
                out.put("status", "degraded"); // still 200: reads go on, so a load balancer keeps the edge; an operator is needed
                out.set("degraded", degraded);
            }
            out.set("details", details);
        }
        Responses.json(ctx, failing.isEmpty() ? 200 : 503, out);
    }

    /** {@code GET /v1/openapi.json}: the OpenAPI 3.1 document of this API (also docs/openapi.json). */
    void openapi(Context ctx) {
        ctx.status(200).contentType("application/json").result(OPENAPI);
    }

    private static final byte[] OPENAPI = load();

    private static byte[] load() {
        try (java.io.InputStream in = OpsRoutes.class.getResourceAsStream("/io/cairn/edge/openapi.json")) {
            if (in == null) throw new IllegalStateException("openapi.json is missing from the edge's jar");
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    void metrics(Context ctx) {
        ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8").result(s.metrics().scrape());
    }
}
