package io.cairn.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * One HTTP exchange with the API, JSON in and out, with retries where they are safe: a request marked
 * {@code retry} (a read; a write carrying an Idempotency-Key, so a retry returns its first outcome) is sent
 * again after 429, 503, a 504, or a failed connection, with a backoff (100 ms doubling, or the answer's
 * Retry-After), up to {@code attempts} times. Thread-safe.
 */
final class Transport implements AutoCloseable {
    private final HttpClient http;
    private final URI base;
    private final Duration timeout;
    private final int attempts;

    Transport(URI base, Duration timeout, int attempts) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        this.base = base;
        this.timeout = timeout;
        this.attempts = attempts;
    }

    /** An answer: the body, and whether the write was replayed from its Idempotency-Key. */
    record Answer(JsonNode body, boolean replayed) {}

    Answer send(String method, String path, String token, JsonNode body, Map<String, String> headers, boolean retry) {
        long backoff = 100;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(target(base, path)).timeout(timeout)
                        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
                if (token != null) b.header("Authorization", "Bearer " + token);
                if (body != null) b.header("Content-Type", "application/json");
                headers.forEach(b::header);
                HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                JsonNode parsed = r.body().length == 0 ? Json.NODES.nullNode() : Json.MAPPER.readTree(r.body());
                if (r.statusCode() < 300) return new Answer(parsed, r.headers().firstValue("Idempotent-Replayed").isPresent());
                CairnException e = error(r.statusCode(), parsed, r.headers());
                boolean again = retry && (e.retriable() || r.statusCode() == 504);
                if (!again || attempt >= attempts) throw e;
                backoff = pause(e.retryAfter().map(Duration::toMillis).orElse(-1L), backoff);
            } catch (IOException e) {
                if (!retry || attempt >= attempts) throw new CairnException(0, "unreachable", "cannot reach " + base + ": " + why(e), null, null);
                backoff = pause(-1, backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CairnException(0, "interrupted", "interrupted while waiting for Cairn", null, null);
            }
        }
    }

    /**
     * An API path ({@code /v1/...}) under {@code base} ({@link Cairn#httpUrl}: ending in {@code /}), keeping the base's
     * own path: resolving the absolute path would replace it, dropping the prefix a proxy routes on.
     */
    static URI target(URI base, String path) {
        return base.resolve(path.substring(1));
    }

    /** The reason a connection failed, in words (the JDK's exceptions often carry no message). */
    private static String why(IOException e) {
        return switch (e) {
            case java.net.http.HttpConnectTimeoutException x -> "no connection in time";
            case java.net.http.HttpTimeoutException x -> "no answer in time";
            case java.net.ConnectException x when causedBy(x, java.nio.channels.UnresolvedAddressException.class)
                    || causedBy(x, java.net.UnknownHostException.class) -> "unknown host";
            case java.net.ConnectException x -> "connection refused";
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    /** Whether {@code e} or any of its causes is a {@code type} (the JDK nests an unknown host a level or two down). */
    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) if (type.isInstance(t)) return true;
        return false;
    }

    /** The error an answer carries: its body's code, message, statement, bookmark and sqlite_code, and its Retry-After header. */
    static CairnException error(int status, JsonNode body, HttpHeaders headers) {
        JsonNode e = body.path("error");
        String code = e.path("code").asText(status == 404 ? "not_found" : "http_" + status);
        return CairnException.of(status, code, e.path("message").asText(""), e.hasNonNull("statement") ? e.get("statement").asInt() : null,
                e.hasNonNull("bookmark") ? e.get("bookmark").asText() : null, retryAfter(headers),
                e.hasNonNull("sqlite_code") ? e.get("sqlite_code").asText() : null);
    }

    /** Retry-After in seconds, as Cairn sends it; null when absent or in another form (an HTTP date), which is no reason to fail. */
    private static Duration retryAfter(HttpHeaders headers) {
        String v = headers.firstValue("Retry-After").map(String::strip).orElse("");
        return v.matches("[0-9]{1,9}") ? Duration.ofSeconds(Long.parseLong(v)) : null;
    }

    /** Sleeps before a retry (the point of it: not a synchronisation); returns the next backoff. */
    private static long pause(long retryAfterMillis, long backoff) {
        try {
            Thread.sleep(retryAfterMillis > 0 ? Math.min(retryAfterMillis, 10_000) : backoff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CairnException(0, "interrupted", "interrupted while waiting to retry", null, null);
        }
        return Math.min(backoff * 2, 5_000);
    }

    @Override
    public void close() {
        http.close();
    }
}
