package io.cairn.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * One tenant's database, reached with one key: writes ({@link #execute}) go through the log, reads
 * ({@link #query}) straight to the tenant's copy. Every write carries an Idempotency-Key (a new one unless
 * given), so it is retried safely on 503/504 and lost connections: it applies once. For reads that see
 * your own writes, use a {@link Session}. Thread-safe.
 */
public final class Database {
    private final Transport transport;
    private final String tenant;
    private final String key;
    private final ExecutorService async;

    Database(Transport transport, String tenant, String key, ExecutorService async) {
        this.transport = transport;
        this.tenant = tenant;
        this.key = key;
        this.async = async;
    }

    public String tenant() {
        return tenant;
    }

    /** A session: every read sees at least every write made or read through it before. */
    public Session session() {
        return new Session(this);
    }

    /** One statement as its own transaction. */
    public ExecuteResult execute(String sql, Object... params) {
        return execute(List.of(Statement.of(sql, params)));
    }

    /** Statements applied as one transaction: all or none. */
    public ExecuteResult execute(List<Statement> statements) {
        return execute(statements, null, null);
    }

    /**
     * As {@link #execute(List)}, with an Idempotency-Key of your own ({@code null}: a new one), applied only if
     * no write of the tenant was applied after {@code ifUnchangedSince} ({@code null}: always), else
     * {@link ConflictException} and nothing applied.
     */
    public ExecuteResult execute(List<Statement> statements, String idempotencyKey, String ifUnchangedSince) {
        ObjectNode body = Json.NODES.objectNode();
        ArrayNode list = body.putArray("statements");
        for (Statement s : statements) list.add(Json.statement(s));
        if (ifUnchangedSince != null) body.put("if_unchanged_since", ifUnchangedSince);
        String idem = idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString();
        Transport.Answer a = transport.send("POST", path("execute"), key, body, Map.of("Idempotency-Key", idem), true);
        List<ExecuteResult.StatementResult> results = new ArrayList<>();
        for (JsonNode r : a.body().path("results")) {
            results.add(new ExecuteResult.StatementResult(r.path("changes").asLong(), r.path("last_insert_rowid").asLong(),
                    r.has("columns") ? Json.strings(r.get("columns")) : List.of(), r.has("rows") ? Json.rows(r.get("rows")) : List.of()));
        }
        return new ExecuteResult(results, a.body().path("bookmark").asText(), a.replayed());
    }

    /** A read of the tenant's current copy. */
    public QueryResult query(String sql, Object... params) {
        return query(Statement.of(sql, params), null);
    }

    /** A read once the tenant's copy applied {@code atLeast} (a bookmark; null: any). */
    public QueryResult query(Statement statement, String atLeast) {
        ObjectNode body = Json.statement(statement);
        if (atLeast != null) body.put("bookmark", atLeast);
        return read(body);
    }

    /** A read of the tenant's content as of a past point: a bookmark ({@code "3:1042"}) or an ISO-8601 time. */
    public QueryResult queryAsOf(String asOf, String sql, Object... params) {
        ObjectNode body = Json.statement(Statement.of(sql, params));
        body.put("as_of", asOf);
        return read(body);
    }

    public CompletableFuture<ExecuteResult> executeAsync(List<Statement> statements) {
        return CompletableFuture.supplyAsync(() -> execute(statements), async);
    }

    public CompletableFuture<QueryResult> queryAsync(Statement statement, String atLeast) {
        return CompletableFuture.supplyAsync(() -> query(statement, atLeast), async);
    }

    private QueryResult read(ObjectNode body) {
        JsonNode r = transport.send("POST", path("query"), key, body, Map.of(), true).body();
        return new QueryResult(Json.strings(r.path("columns")), Json.rows(r.path("rows")), r.path("bookmark").asText(),
                r.hasNonNull("as_of") ? r.get("as_of").asText() : null);
    }

    private String path(String action) {
        return "/v1/tenants/" + UrlPaths.segment(tenant) + "/" + action;
    }
}
