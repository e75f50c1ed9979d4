package io.cairn.edge.http;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses a query parameter an API route does not take, and one given twice: the body's rule
 * ({@link io.cairn.edge.json.JsonFields}) for the URL. Ignored in silence, {@code ?idel_for=24h} lists the
 * whole fleet instead of its idle tenants, {@code ?tier=hot&tier=cold} lists whichever one was read, and
 * {@code DELETE /v1/tenants/t?dry_run=true} deletes. Every {@code /v1/} route is checked, the OpenAPI document's
 * too; routes outside it (health checks, metrics, the console's pages) are not: probes and browsers add
 * parameters of their own.
 */
final class QueryParameters {
    private QueryParameters() {}

    private static final Map<String, Set<String>> TAKEN = Map.of(
            "POST /v1/tenants/{tenant}/execute", Set.of("wait"),
            "GET /v1/tenants", Set.of("tier", "idle_for", "schema_version", "limit", "cursor"),
            "GET /v1/tenants/{tenant}/usage", Set.of("from", "to"),
            "GET /v1/tenants/{tenant}/export", Set.of("format", "as_of"),
            "POST /v1/tenants/{tenant}/import", Set.of("format"),
            "GET /v1/tenants/{tenant}/checksum", Set.of("as_of"));

    /** Throws {@code invalid_request} naming the parameter ({@code "field"}) when the request's URL has one {@code route} does not take. */
    static void check(Context ctx, String route) {
        if (ctx.queryString() == null || ctx.queryString().isEmpty()) return;
        String path = route.substring(route.indexOf(' ') + 1);
        if (!path.startsWith("/v1/")) return;
        Set<String> taken = TAKEN.getOrDefault(route, Set.of());
        for (Map.Entry<String, List<String>> p : ctx.queryParamMap().entrySet()) {
            String name = p.getKey();
            if (!taken.contains(name)) {
                throw new ApiError(ErrorCode.INVALID_REQUEST, "unknown query parameter \"" + name + "\"; " + (taken.isEmpty()
                        ? "this request takes none" : "this request takes " + String.join(", ", new TreeSet<>(taken))), null, Map.of("field", name));
            }
            if (p.getValue().size() > 1) {
                throw new ApiError(ErrorCode.INVALID_REQUEST, "query parameter \"" + name + "\" is given " + p.getValue().size()
                        + " times: give it once", null, Map.of("field", name));
            }
        }
    }
}
