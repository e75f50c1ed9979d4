package io.cairn.infra.config;

import java.net.URI;

/** The optional endpoint overrides of {@code cairn.yaml} (DynamoDB, S3): checked once, read as a URI. */
final class Endpoints {
    private Endpoints() {}

    /** Throws an {@link IllegalArgumentException} naming {@code key} when {@code endpoint} is set and not a URL. */
    static void check(String key, String endpoint) {
        if (endpoint == null) return;
        try {
            URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " is not a URL: " + endpoint);
        }
    }

    /** The endpoint as a URI, or null when unset (the region's default). */
    static URI uri(String endpoint) {
        return endpoint == null ? null : URI.create(endpoint);
    }
}
