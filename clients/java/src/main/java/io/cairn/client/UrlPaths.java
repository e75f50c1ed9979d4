package io.cairn.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Names in URL paths. */
public final class UrlPaths {
    private UrlPaths() {}

    /**
     * A name (a tenant, a key id, a migration set) as one segment of a path: percent-encoded, dots included, so no
     * name can reach another route ({@code "a/keys"}, {@code ".."}) or break the URL ({@code "a b"}); the server
     * then judges the name itself and answers a bad one with its code.
     */
    public static String segment(String name) {
        return URLEncoder.encode(String.valueOf(name), StandardCharsets.UTF_8).replace("+", "%20").replace(".", "%2E").replace("*", "%2A");
    }
}
