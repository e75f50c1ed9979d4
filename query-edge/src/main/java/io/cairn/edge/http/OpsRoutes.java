package io.cairn.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

/**
 * {@code /health} (all checks must pass; {@code details} shows figures that never fail it, such as the
 * materializer's lag) and {@code /metrics} (Prometheus text). No authentication.
 */
final class OpsRoutes {
    private final EdgeServices s;

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
        if (failing.isEmpty()) {
            out.put("status", "ok");
        } else {
            out.put("status", "starting").set("failing", failing);
        }
        if (!s.healthDetails().isEmpty()) {
            ObjectNode details = out.putObject("details");
            s.healthDetails().forEach((name, value) -> {
                try {
                    details.set(name, Responses.MAPPER.valueToTree(value.get()));
                } catch (RuntimeException e) {
                    details.put(name, "unknown");
                }
            });
        }
        Responses.json(ctx, failing.isEmpty() ? 200 : 503, out);
    }

    void metrics(Context ctx) {
        ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8").result(s.metrics().scrape());
    }
}
