package io.cairn.edge.http;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import io.javalin.http.Context;
import java.util.Enumeration;
import java.util.List;

/**
 * What the edge refuses about a request before anything else runs (routing, authentication, the route): it
 * throws an {@link ApiError}, which the edge answers in the JSON error shape.
 *
 * <p>A method-override header ({@code X-HTTP-Method-Override} and its variants) is refused, not ignored:
 * Javalin routes by {@code X-HTTP-Method-Override} when present, so {@code POST .../keys/k} with
 * {@code DELETE} in it revoked the key, past any gateway or firewall rule that filters by the method it sees.
 *
 * <p>A body with a {@code Content-Encoding} other than {@code identity}, or a {@code Transfer-Encoding} other than
 * {@code chunked}, is refused with {@code unsupported_media_type}: the edge does not decode bodies, so a gzip body was read as JSON text (a
 * baffling {@code invalid_json}) and a plain body labelled gzip was taken as if it were not labelled.
 *
 * <p>{@code HEAD} is {@code method_not_allowed} with {@code Allow}, on every path a route has: Javalin answers
 * {@code HEAD} on a {@code GET} route with an empty 200 without running the route, so it said 200 with no
 * authentication for tenants that do not exist, and 200 for {@code /health} while the edge was not ready (a
 * load balancer probing with HEAD was told healthy). A {@code HEAD} on a path no route has is left to the
 * router's 404.
 */
final class RequestGate {
    /** The headers clients use to ask for another method than the request line's. */
    static final List<String> METHOD_OVERRIDES = List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");

    private RequestGate() {}

    /**
     * Throws {@code invalid_request} naming the header when the request carries a method override,
     * {@code unsupported_media_type} when it has a {@code Content-Encoding} other than {@code identity}, and
     * {@code method_not_allowed} (with the {@code Allow} header {@code routes} give its path) for a
     * {@code HEAD}.
     */
    static void check(Context ctx, AllowedMethods routes) {
        for (String header : METHOD_OVERRIDES) {
            if (ctx.req().getHeader(header) != null) {
                throw ApiError.invalidRequest("header " + header + " is refused: the edge does not take method overrides; send the method itself");
            }
        }
        onlyCodings(ctx, "Content-Encoding", "identity", "send them without Content-Encoding");
        onlyCodings(ctx, "Transfer-Encoding", "chunked", "send them with a Content-Length, or Transfer-Encoding: chunked alone");
        String path = ctx.path();
        String method = ctx.req().getMethod();
        if (ctx.req().getHeader("Idempotency-Key") != null && !method.equals("GET") && !method.equals("HEAD")
                && !path.endsWith("/execute") && !path.endsWith("/query")) {
            // Taken silently, a retried restore (its answer lost) restored again, dropping the writes between the two.
            throw new ApiError(ErrorCode.INVALID_REQUEST, "Idempotency-Key is honoured on writes (POST /v1/tenants/{tenant}/execute) only:"
                    + " sent again, this request would be applied again. Before retrying it, look whether it took effect"
                    + " (GET /v1/tenants/{tenant}, its keys or its history)", null, java.util.Map.of("field", "Idempotency-Key"));
        }
        if (method.equals("HEAD")) {
            String allow = routes.header(path);
            if (!allow.isEmpty()) {
                ctx.header("Allow", allow);
                throw new ApiError(ErrorCode.METHOD_NOT_ALLOWED, "the API does not answer HEAD; this path takes " + allow);
            }
        }
    }

    /** Refuses a body coded by {@code header} in any other way than {@code allowed}: the edge decodes none. */
    private static void onlyCodings(Context ctx, String header, String allowed, String remedy) {
        for (Enumeration<String> values = ctx.req().getHeaders(header); values.hasMoreElements(); ) {
            String value = values.nextElement();
            for (String coding : value.split(",", -1)) {
                if (!coding.strip().equalsIgnoreCase(allowed)) {
                    throw new ApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "request bodies are not decoded: " + remedy
                            + " (this request has " + header + ": " + value.strip() + ")");
                }
            }
        }
    }
}
