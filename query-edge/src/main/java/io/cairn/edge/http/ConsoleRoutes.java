package io.cairn.edge.http;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code /console}: the admin console's static assets (docs/console.md). They hold no data and no
 * secret; every figure the console shows comes from the v1 API with the admin token the operator enters,
 * so the assets are served to anyone, with a content security policy that lets the page load only its own
 * script and style and talk only to this edge.
 */
final class ConsoleRoutes {
    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final Map<String, Asset> ASSETS = Map.of(
            "index.html", asset("index.html", "text/html; charset=utf-8"),
            "console.js", asset("console.js", "text/javascript; charset=utf-8"),
            "console.css", asset("console.css", "text/css; charset=utf-8"));

    private record Asset(byte[] bytes, String type) {}

    void page(Context ctx) {
        send(ctx, ASSETS.get("index.html"));
    }

    void asset(Context ctx) {
        Asset a = ASSETS.get(ctx.pathParam("asset"));
        if (a == null) throw new ApiError(ErrorCode.NOT_FOUND, "no console asset '" + ctx.pathParam("asset") + "'");
        send(ctx, a);
    }

    private static void send(Context ctx, Asset a) {
        ctx.header("Content-Security-Policy", POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
        ctx.status(200).contentType(a.type()).result(a.bytes());
    }

    private static Asset asset(String name, String type) {
        try (InputStream in = ConsoleRoutes.class.getResourceAsStream("/io/cairn/edge/console/" + name)) {
            if (in == null) throw new IllegalStateException("console asset " + name + " is missing from the edge's jar");
            return new Asset(in.readAllBytes(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
