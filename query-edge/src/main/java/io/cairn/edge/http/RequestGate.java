package io.cairn.edge.http;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import io.javalin.http.Context;
import java.util.List;

/**
 * What the edge refuses about a request before anything else runs (routing, authentication, the route): it
 * throws an {@link ApiError}, which the edge answers in the JSON error shape.
 *
 * <p>A method-override header ({@code X-HTTP-Method-Override} and its variants) is refused, not ignored:
 * Javalin routes by {@code X-HTTP-Method-Override} when present, so {@code POST .../keys/k} with
 * {@code DELETE} in it revoked the key, past any gateway or firewall rule that filters by the method it sees.
 */
final class RequestGate {
    /** The headers clients use to ask for another method than the request line's. */
    static final List<String> METHOD_OVERRIDES = List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");

    private RequestGate() {}

    /** Throws {@code invalid_request} naming the header when the request carries a method override. */
    static void check(Context ctx) {
        for (String header : METHOD_OVERRIDES) {
            if (ctx.req().getHeader(header) != null) {
                throw ApiError.invalidRequest("header " + header + " is refused: the edge does not take method overrides; send the method itself");
            }
        }
    }
}
