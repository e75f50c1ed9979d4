package io.cairn.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A client of one Cairn (its v1 HTTP API). Administration (tenants, keys, restores) needs the admin token;
 * {@link #database} reaches one tenant's data with the admin token or that tenant's key.
 *
 * <pre>{@code
 * try (Cairn cairn = Cairn.builder().url("http://localhost:8080").token(adminToken).build()) {
 *     NewTenant acme = cairn.createTenant("acme");
 *     Session s = cairn.database("acme", acme.apiKey()).session();
 *     s.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
 *     s.execute("INSERT INTO users (name) VALUES (?)", "ada");
 *     long n = s.query("SELECT count(*) AS n FROM users").list().get(0).getLong("n");
 * }
 * }</pre>
 * Thread-safe; close it to release its HTTP client.
 */
public final class Cairn implements AutoCloseable {
    /** A tenant just created (or forked, or imported): its name, its first API key and the bookmark of its creation. */
    public record NewTenant(String tenant, String apiKey, String bookmark) {}

    /** A key just issued: its id (to revoke it) and the key itself, shown once. */
    public record NewKey(String keyId, String apiKey) {}

    /** One of a tenant's keys as {@link #keys} lists it. */
    public record KeyInfo(String keyId, java.util.List<String> scopes, java.time.Instant createdAt, boolean revoked) {}

    private final Transport transport;
    private final String token;
    private final ExecutorService async = Executors.newVirtualThreadPerTaskExecutor();

    private Cairn(Transport transport, String token) {
        this.transport = transport;
        this.token = token;
    }

    /**
     * {@code url} as the base of Cairn's HTTP API (with a trailing {@code /}), its path kept as a prefix of every
     * request ({@code http://host/cairn} reaches {@code http://host/cairn/v1/...}, as behind a proxy routing on
     * it); IllegalArgumentException with a message a person can act on unless it is an {@code http://} or
     * {@code https://} URL with a host, and without a query or a fragment (which no request could keep).
     */
    public static URI httpUrl(String url) {
        URI u;
        try {
            u = new URI(url.endsWith("/") ? url : url + "/");
        } catch (java.net.URISyntaxException e) {
            u = null;
        }
        if (u == null || u.getHost() == null || !("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))) {
            throw new IllegalArgumentException("Cairn's URL must be http:// or https:// with a host, like http://127.0.0.1:8080, not '" + url + "'");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("Cairn's URL is its address and, behind a proxy, a path (http://host:8080/cairn), without a query (?)"
                    + " or a fragment (#): not '" + url + "'");
        }
        return u;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to reach Cairn: its URL, a token, the request timeout and how many times safe requests are tried. */
    public static final class Builder {
        private URI url = URI.create("http://127.0.0.1:8080");
        private String token;
        private Duration timeout = Duration.ofSeconds(60);
        private int attempts = 5;

        /** Cairn's HTTP API, as {@link Cairn#httpUrl} reads it (a path is a prefix of every request); IllegalArgumentException, saying why, else. */
        public Builder url(String url) {
            this.url = httpUrl(url);
            return this;
        }

        /** The admin token or a tenant's key; see {@link Cairn#credential} for what it may hold. */
        public Builder token(String token) {
            this.token = credential(token);
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Tries of a request that is safe to repeat (reads, writes with their Idempotency-Key); default 5. */
        public Builder attempts(int attempts) {
            if (attempts < 1) throw new IllegalArgumentException("attempts must be >= 1");
            this.attempts = attempts;
            return this;
        }

        public Cairn build() {
            return new Cairn(new Transport(url, timeout, attempts), token);
        }
    }

    /** One tenant's data, reached with this client's token. */
    public Database database(String tenant) {
        return database(tenant, token);
    }

    /** One tenant's data, reached with {@code apiKey}. */
    public Database database(String tenant, String apiKey) {
        return new Database(transport, tenant, credential(apiKey), async);
    }

    /**
     * A token or key as sent: without the white space around it (a key read from a file keeps its line break);
     * IllegalArgumentException, which never repeats the secret, when it holds a character a header cannot carry.
     */
    public static String credential(String secret) {
        if (secret == null) return null;
        String s = secret.strip();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 127) {
                throw new IllegalArgumentException("the token or key holds a character no HTTP header can carry (at position " + i
                        + ", a space, control or non-ASCII character): copy it again from where it was issued");
            }
        }
        return s;
    }

    public NewTenant createTenant(String tenant) {
        return newTenant(post("/v1/tenants", Json.NODES.objectNode().put("tenant", tenant)));
    }

    /** A tenant starting from a migration set's latest version. */
    public NewTenant createTenant(String tenant, String template) {
        return newTenant(post("/v1/tenants", Json.NODES.objectNode().put("tenant", tenant).put("template", template)));
    }

    /** A new tenant with {@code source}'s content at {@code bookmark} (null: now). */
    public NewTenant fork(String tenant, String source, String bookmark) {
        ObjectNode body = Json.NODES.objectNode().put("tenant", tenant);
        ObjectNode from = body.putObject("from").put("tenant", source);
        if (bookmark != null) from.put("bookmark", bookmark);
        return newTenant(post("/v1/tenants", body));
    }

    /** Restores the tenant in place to {@code bookmark}; returns the bookmark that undoes it. */
    public String restore(String tenant, String bookmark) {
        return post("/v1/tenants/" + UrlPaths.segment(tenant) + "/restore", Json.NODES.objectNode().put("bookmark", bookmark)).path("undo_bookmark").asText();
    }

    public void deleteTenant(String tenant) {
        transport.send("DELETE", "/v1/tenants/" + UrlPaths.segment(tenant), token, null, Map.of(), false);
    }

    /** The tenant as {@code GET /v1/tenants/{t}} shows it (tier, bookmark, size, schema version, ...). */
    public JsonNode tenant(String tenant) {
        return transport.send("GET", "/v1/tenants/" + UrlPaths.segment(tenant), token, null, Map.of(), true).body();
    }

    /** Issues a key with {@code scopes} ("read", "write"). */
    public NewKey issueKey(String tenant, Collection<String> scopes) {
        ObjectNode body = Json.NODES.objectNode();
        scopes.forEach(body.putArray("scopes")::add);
        JsonNode r = post("/v1/tenants/" + UrlPaths.segment(tenant) + "/keys", body);
        return new NewKey(r.path("key_id").asText(), r.path("api_key").asText());
    }

    /** The tenant's keys, oldest first, revoked ones too: {@code GET /v1/tenants/{t}/keys} (never a secret). */
    public java.util.List<KeyInfo> keys(String tenant) {
        JsonNode r = transport.send("GET", "/v1/tenants/" + UrlPaths.segment(tenant) + "/keys", token, null, Map.of(), true).body();
        java.util.List<KeyInfo> out = new java.util.ArrayList<>();
        for (JsonNode k : r.path("keys")) {
            java.util.List<String> scopes = new java.util.ArrayList<>();
            k.path("scopes").forEach(s -> scopes.add(s.asText()));
            out.add(new KeyInfo(k.path("key_id").asText(), java.util.List.copyOf(scopes), java.time.Instant.parse(k.path("created_at").asText()),
                    k.path("revoked").asBoolean()));
        }
        return java.util.List.copyOf(out);
    }

    public void revokeKey(String tenant, String keyId) {
        transport.send("DELETE", "/v1/tenants/" + UrlPaths.segment(tenant) + "/keys/" + UrlPaths.segment(keyId), token, null, Map.of(), false);
    }

    private JsonNode post(String path, JsonNode body) {
        return transport.send("POST", path, token, body, Map.of(), false).body();
    }

    private static NewTenant newTenant(JsonNode r) {
        return new NewTenant(r.path("tenant").asText(), r.path("api_key").asText(), r.path("bookmark").asText());
    }

    @Override
    public void close() {
        async.close();
        transport.close();
    }
}
