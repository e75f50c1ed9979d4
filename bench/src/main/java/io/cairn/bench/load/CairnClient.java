package io.cairn.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The load generator's view of Cairn's HTTP API, on the JDK HttpClient (HTTP/1.1, virtual threads).
 * Every call checks its status: a bench only reports numbers of requests that did what they should.
 */
public final class CairnClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;
    private final String adminToken;

    public CairnClient(int port, String adminToken) {
        this("http://127.0.0.1:" + port, adminToken);
    }

    /** A client of the Cairn at {@code baseUrl} (e.g. {@code http://host:8080}, no trailing slash). */
    public CairnClient(String baseUrl, String adminToken) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.adminToken = adminToken;
    }

    /** {@code GET /health}; the HTTP floor of the edge's server stack. */
    public void health() throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(base + "/health")).GET(), 200);
    }

    /** {@code GET /metrics}: the Prometheus text of the process (edge and applier share the registry). */
    public String metrics() throws IOException, InterruptedException {
        return new String(send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET(), 200), StandardCharsets.UTF_8);
    }

    /**
     * One series of {@link #metrics()}: the value of the first line of metric {@code name} whose labels contain
     * {@code label} ("" for a metric without labels); fails when there is none.
     */
    public double metric(String name, String label) throws IOException, InterruptedException {
        for (String line : metrics().split("\n")) {
            if (line.startsWith(name + (label.isEmpty() ? " " : "{")) && line.contains(label)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException("/metrics has no " + name + (label.isEmpty() ? "" : "{" + label + "}"));
    }

    /** Creates a tenant; returns its API key. */
    public String createTenant(String tenant) throws IOException, InterruptedException {
        return post("/v1/tenants", adminToken, "{\"tenant\":\"" + tenant + "\"}", 201).path("api_key").asText();
    }

    /** Executes and waits for the outcome; returns the response body. */
    public JsonNode execute(String tenant, String key, String body) throws IOException, InterruptedException {
        return post("/v1/tenants/" + tenant + "/execute", key, body, 200);
    }

    /** Executes with an Idempotency-Key and waits for the outcome. */
    public JsonNode executeKeyed(String tenant, String key, String body, String idempotencyKey) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/tenants/" + tenant + "/execute"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return JSON.readTree(send(b, 200));
    }

    /** Executes with {@code wait=false}; returns the bookmark once the log has the write. */
    public String executeNoWait(String tenant, String key, String body) throws IOException, InterruptedException {
        return post("/v1/tenants/" + tenant + "/execute?wait=false", key, body, 202).path("bookmark").asText();
    }

    /**
     * {@code send}, sent again 10 ms later while it is answered 429 (the tenant's backlog of waiting writes is full: the
     * edge takes one tenant's writes faster than a cold applier applies them, as in a full run's first seconds), as a
     * client honouring the backpressure would: a loop of writes is paced behind the backlog instead of failing.
     */
    public static <T> T retryingRefused(Send<T> send) throws IOException, InterruptedException {
        while (true) {
            try {
                return send.call();
            } catch (Refused backlogFull) {
                Thread.sleep(10); // a client's pause before sending again
            }
        }
    }

    /** A request {@link #retryingRefused} sends. */
    @FunctionalInterface
    public interface Send<T> {
        T call() throws IOException, InterruptedException;
    }

    /** Runs a read; {@code bookmark} may be null. Returns the rows. */
    public JsonNode query(String tenant, String key, String sql, List<?> params, String bookmark)
            throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder("{\"sql\":").append(JSON.writeValueAsString(sql))
                .append(",\"params\":").append(JSON.writeValueAsString(params));
        if (bookmark != null) body.append(",\"bookmark\":\"").append(bookmark).append("\",\"timeout_ms\":30000");
        return post("/v1/tenants/" + tenant + "/query", key, body.append('}').toString(), 200).path("rows");
    }

    /** Runs a read at a consistency level ({@code "strong"}, {@code "session"} with {@code bookmark}, {@code "eventual"}); returns the answer. */
    public JsonNode queryAt(String tenant, String key, String sql, List<?> params, String consistency, String bookmark)
            throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder("{\"sql\":").append(JSON.writeValueAsString(sql))
                .append(",\"params\":").append(JSON.writeValueAsString(params))
                .append(",\"consistency\":\"").append(consistency).append("\",\"timeout_ms\":30000");
        if (bookmark != null) body.append(",\"bookmark\":\"").append(bookmark).append('"');
        return post("/v1/tenants/" + tenant + "/query", key, body.append('}').toString(), 200);
    }

    /**
     * Runs a read once the tenant's copy applied {@code bookmark}, however long that takes: a slow apply is
     * a result to report, not a failure, so a {@code bookmark_timeout} (504) is retried.
     */
    public JsonNode queryAtLeast(String tenant, String key, String sql, String bookmark) throws IOException, InterruptedException {
        while (true) {
            try {
                return query(tenant, key, sql, List.of(), bookmark);
            } catch (IOException e) {
                if (e.getMessage() == null || !e.getMessage().contains("bookmark_timeout")) throw e;
            }
        }
    }

    /**
     * Runs a read until the tenant is served again: 503 {@code tenant_recovering} (its file being rebuilt)
     * is retried every 10 ms, anything else but 200 fails. Gives up after {@code max}.
     */
    public JsonNode queryWhileRecovering(String tenant, String key, String sql, Duration max) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            try {
                return query(tenant, key, sql, List.of(), null);
            } catch (IOException e) {
                if (e.getMessage() == null || !e.getMessage().contains("tenant_recovering") || System.nanoTime() > deadline) throw e;
                Thread.sleep(10); // pacing the retries, not synchronising
            }
        }
    }

    /** A request answered 429: Cairn's backpressure (a tenant's backlog of waiting writes is full), not a failure of the request. */
    public static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /** {@code GET path} as the admin; 200 expected. */
    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + adminToken).GET();
        return JSON.readTree(send(b, 200));
    }

    /** Asks for a snapshot of the tenant (admin); returns the {@code TakeSnapshot} record's bookmark. */
    public String snapshot(String tenant) throws IOException, InterruptedException {
        return post("/v1/tenants/" + tenant + "/snapshots", adminToken, "", 202).path("bookmark").asText();
    }

    /**
     * Asks for the tenant's tier (admin) and returns the answer: {@code cold} is under way once it
     * answers 202; {@code hot} is done when it answers 200.
     */
    public JsonNode tier(String tenant, String tier) throws IOException, InterruptedException {
        return post("/v1/tenants/" + tenant + "/tier", adminToken, "{\"tier\":\"" + tier + "\"}", tier.equals("cold") ? 202 : 200);
    }

    /** An admin request with a JSON body (POST, PUT); fails unless it answers {@code expected}. */
    public JsonNode admin(String method, String path, String body, int expected) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + adminToken)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return JSON.readTree(send(b, expected));
    }

    /** {@code GET path} with {@code token} into {@code target}; returns the bytes written. */
    public long download(String path, String token, Path target) throws IOException, InterruptedException {
        HttpResponse<Path> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofMinutes(10)).GET().build(), HttpResponse.BodyHandlers.ofFile(target));
        if (r.statusCode() != 200) throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + Files.readString(target));
        return Files.size(target);
    }

    /** {@code POST path} (admin) with {@code file} as the body; fails unless it answers {@code expected}. */
    public JsonNode upload(String path, Path file, int expected) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + adminToken)
                .timeout(Duration.ofMinutes(10)).POST(HttpRequest.BodyPublishers.ofFile(file));
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != expected) {
            throw new IOException("POST " + path + " answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return JSON.readTree(r.body());
    }

    /** {@code {"statements":[{"sql","params"}...]}} for a batch of the same statement with different params. */
    public static String batch(String sql, List<List<?>> params) {
        try {
            StringBuilder b = new StringBuilder("{\"statements\":[");
            String quotedSql = JSON.writeValueAsString(sql);
            for (int i = 0; i < params.size(); i++) {
                if (i > 0) b.append(',');
                b.append("{\"sql\":").append(quotedSql).append(",\"params\":").append(JSON.writeValueAsString(params.get(i))).append('}');
            }
            return b.append("]}").toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode post(String path, String token, String body, int expected) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return JSON.readTree(send(b, expected));
    }

    private byte[] send(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
        // Restores and forks build a tenant's past content: minutes for a big one is a result, not a failure.
        HttpResponse<byte[]> r = http.send(request.timeout(Duration.ofMinutes(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != expected) {
            String message = r.request().method() + " " + r.request().uri().getPath() + " answered " + r.statusCode()
                    + " (expected " + expected + "): " + new String(r.body(), StandardCharsets.UTF_8);
            if (r.statusCode() == 429) throw new Refused(message);
            throw new IOException(message);
        }
        return r.body();
    }

    @Override
    public void close() {
        http.close();
    }
}
