package io.cairn.edge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.tenantdb.sql.RowReturning;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.tenantdb.sql.StatementPolicy;
import io.cairn.edge.read.ReadCopy;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.restore.RestorePoints;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.auth.Principal;
import io.cairn.edge.auth.Scope;
import io.cairn.edge.json.JsonFields;
import io.cairn.edge.json.JsonValues;
import io.cairn.edge.json.StatementParser;
import io.cairn.edge.json.StatementSpec;
import io.cairn.edge.read.QueryResult;
import io.cairn.edge.read.QueryRunner;
import io.cairn.edge.read.ReadLevel;
import io.cairn.edge.write.CommandGateway;
import io.cairn.edge.write.CommandGateway.Submitted;
import io.cairn.edge.write.Commands;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /execute} (writes, through the log) and {@code /query} (reads, straight from the tenant's file). */
final class DataRoutes {
    private static final int MAX_IDEMPOTENCY_KEY = 255;
    private static final Set<String> QUERY_FIELDS = Set.of("sql", "params", "bookmark", "timeout_ms", "consistency", "max_lag_ms", "as_of");
    private static final Set<String> EXECUTE_BATCH_FIELDS = Set.of("statements", "if_unchanged_since");
    /** Without "statements": one statement's fields, or the batch's (named in the message of a field neither takes). */
    private static final Set<String> EXECUTE_FIELDS_EITHER = Set.of("sql", "params", "statements", "if_unchanged_since");

    private final EdgeServices s;
    /** Request attribute: a statement of the write may return rows. */
    private static final String RETURNS_ROWS = "cairn.returnsRows";
    /** Each tenant's share of this edge's CPU for parse checks of wait=false writes. */
    private final ParseChecks parseChecks = new ParseChecks();
    private final RequestBodies bodies;
    private final CopyReads copyReads;

    DataRoutes(EdgeServices services, RequestBodies bodies) {
        this.s = services;
        this.bodies = bodies;
        this.copyReads = new CopyReads(services);
    }

    void execute(Context ctx) throws InterruptedException {
        long start = System.nanoTime();
        try {
            executeTimed(ctx);
        } finally {
            s.metrics().writes().record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    void query(Context ctx) throws InterruptedException {
        long start = System.nanoTime();
        try {
            queryTimed(ctx);
        } finally {
            s.metrics().reads().record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private void executeTimed(Context ctx) throws InterruptedException {
        String tenant = EdgeServices.tenantParam(ctx);
        io.cairn.edge.auth.Principal who = s.principal(ctx);
        Authenticator.requireTenantAccess(who, tenant, Scope.WRITE);
        TenantState state = s.existing(tenant);
        if (!waitForOutcome(ctx.queryParam("wait"))) {
            Bookmark b = s.gateway().append(charged(ctx, tenant, parsed(tenant, command(ctx, tenant, state)), true), s.config().writeTimeout());
            RequestBodies.release(ctx); // in the log: nothing refers to the body any more
            org.slf4j.MDC.put("bookmark", b.toString());
            int sent = Responses.json(ctx, 202, Responses.object().put("bookmark", b.toString()));
            s.access().write(tenant, state.getCreatedOffset(), RequestBodies.bodyBytes(ctx), sent);
            return;
        }
        // The command is made in the call's argument, so no local of this frame refers to it (nor to the
        // body) while the request waits for its outcome: a waiting write holds none of its body.
        CommandGateway.Pending pending = s.gateway().send(charged(ctx, tenant, command(ctx, tenant, state), false), s.config().writeTimeout());
        RequestBodies.release(ctx);
        // Every later line of this request (json logs) names the write's place in the log.
        org.slf4j.MDC.put("bookmark", pending.bookmark().toString());
        Submitted done = s.gateway().await(pending);
        if (!done.timedOut() && done.outcome().getIdempotentReplay()) ctx.header("Idempotent-Replayed", "true");
        if (!done.timedOut()) withholdRaised(done.outcome(), who);
        CommandResult outcome;
        try {
            outcome = Outcomes.successOrThrow(done, done.bookmark());
        } catch (ApiError inTheLog) {
            // Accepted into the log whatever its outcome, so counted as with wait=false (the error's bytes are not known here).
            s.access().write(tenant, state.getCreatedOffset(), RequestBodies.bodyBytes(ctx), 0);
            throw inTheLog;
        }
        awaitThawShown(tenant, done.bookmark());
        ObjectNode out = Responses.object();
        out.set("results", Outcomes.results(outcome.getResults()));
        out.put("bookmark", done.bookmark().toString());
        int sent = Responses.json(ctx, 200, out);
        s.access().write(tenant, state.getCreatedOffset(), RequestBodies.bodyBytes(ctx), sent);
    }

    /** The longest an answered write that thawed its tenant waits for this edge's directory to show the tenant hot. */
    static final Duration THAW_SHOWN_WAIT = Duration.ofSeconds(2);

    /**
     * A write to a cold tenant thawed it: its answer waits (at most {@link #THAW_SHOWN_WAIT}) until this edge's directory
     * holds the state the applier emitted after it, so that {@code GET /v1/tenants/{t}} asked next shows the tenant
     * {@code hot}, not the {@code cold} of before the write. The outcome and the state come on two topics, in no order
     * between them. The write is applied either way: past the wait it is answered, and the directory catches up.
     */
    private void awaitThawShown(String tenant, Bookmark written) throws InterruptedException {
        TenantState shown = s.directory().tenant(tenant).orElse(null);
        if (shown == null || shown.getTier() == io.cairn.topics.avro.Tier.HOT) return;
        s.directory().awaitApplied(tenant, written.offset(), THAW_SHOWN_WAIT);
    }

    /**
     * An error's text can carry the tenant's data: a trigger's RAISE message is text its own SQL made from it
     * (RAISE(ABORT, (SELECT group_concat(secret) FROM s))), and SQLite quotes the value that failed in others
     * ({@code json_extract('{}', (SELECT secret ...))}: "bad JSON path: 'the secret'"; an FTS5 query's syntax error). A
     * key without the read scope gets the error code and statement of those, not the text, as it gets no rows.
     */
    private static void withholdRaised(io.cairn.topics.avro.CommandResult outcome, io.cairn.edge.auth.Principal who) {
        if (outcome.getOk() || outcome.getError() == null) return;
        if (!(who instanceof io.cairn.edge.auth.Principal.TenantKey key) || key.scopes().contains(Scope.READ)) return;
        String message = outcome.getError().getMessage();
        if (outcome.getError().getRaised()) {
            outcome.getError().setMessage("a trigger refused the write (RAISE); its message is withheld from a key without the read scope");
        } else if (message != null && (message.indexOf('\'') >= 0 || message.indexOf('"') >= 0)) {
            outcome.getError().setMessage("the write failed with a message quoting a value, which can be the tenant's data: withheld from a key"
                    + " without the read scope (the code and statement stand; a key with the read scope gets the message)");
        }
    }

    /**
     * A write sent with {@code wait=false} whose statement SQLite cannot parse ({@code near "SELEC": syntax error}) is
     * refused here, 400 {@code sql_error}, as the applier would refuse it where no one hears (an outside probe got 202 for
     * it). Only the parser's errors: a table the write names may be made by a write before it in the log. Within the
     * tenant's share of this edge's CPU for it ({@link ParseChecks}); past it, the applier decides.
     */
    private TenantCommand parsed(String tenant, TenantCommand command) {
        if (!(command.getPayload() instanceof io.cairn.topics.avro.ExecuteBatch batch)) return command;
        long start = System.nanoTime();
        if (!parseChecks.mayCheck(tenant, start)) return command;
        io.cairn.tenantdb.sqlite.SqlSyntax.Problem problem;
        try {
            problem = io.cairn.tenantdb.sqlite.SqlSyntax.firstProblem(batch.getStatements().stream().map(st -> st.getSql()).toList());
        } catch (java.sql.SQLException e) {
            return command; // no database in memory to parse with: the applier decides, as with wait=true
        } finally {
            long end = System.nanoTime();
            parseChecks.took(tenant, end - start, end);
        }
        if (problem == null) return command;
        throw new ApiError(ErrorCode.SQL_ERROR, problem.message() + "; nothing was written", problem.index(), Map.of("sqlite_code", "SQLITE_ERROR"));
    }

    /**
     * {@code command}, its body's bytes taken from the tenant's share of the log already ({@link #command}). Sent without
     * waiting ({@code unheard}) and able to return rows, it takes an allowance for its outcome too, settled when the outcome
     * comes: nobody waits for such outcomes, so only the allowance bounds how many are under way
     * ({@link io.cairn.edge.write.TenantLogRate#OUTCOME_ALLOWANCE}).
     */
    private TenantCommand charged(Context ctx, String tenant, TenantCommand command, boolean unheard) {
        if (unheard && Boolean.TRUE.equals(ctx.attribute(RETURNS_ROWS))) s.gateway().logRate().admitWithOutcome(tenant, 0, command.getCommandId());
        return command;
    }

    /** The write the body asks for, read and checked; the log must be reachable. */
    private TenantCommand command(Context ctx, String tenant, TenantState state) throws InterruptedException {
        // Taken from the tenant's share of the log as it arrives, before it is parsed and checked, refused or not: a flood
        // of 1 MB batches each refused at its last statement took 0.8 of a core, and other tenants' writes waited 30
        // times as long (outside probe), with nothing charged.
        JsonNode body = bodies.object(ctx, false, bytes -> s.gateway().logRate().admit(tenant, bytes));
        // One statement ("sql") or a batch ("statements"): a field neither takes is refused naming both forms.
        JsonFields.only(body, "", body.has("statements") ? EXECUTE_BATCH_FIELDS : EXECUTE_FIELDS_EITHER);
        List<StatementSpec> statements = StatementParser.batch(body, s.config().maxStatements());
        Bookmark unchangedSince = bookmark(body.get("if_unchanged_since"), state, "if_unchanged_since");
        if (unchangedSince != null && !s.logEnds().issued(unchangedSince)) {
            // No write comes after a point the log never reached, so the check would always pass: a bookmark
            // made up, or from another Cairn (an old region), would turn the conditional write into a plain one.
            throw new ApiError(ErrorCode.INVALID_BOOKMARK, "\"if_unchanged_since\" " + unchangedSince + " is past the end of the tenant's log:"
                    + " it was not issued by this Cairn (use the bookmark a read returned)");
        }
        boolean mayRead = !(s.principal(ctx) instanceof Principal.TenantKey key) || key.scopes().contains(Scope.READ);
        for (int i = 0; i < statements.size(); i++) {
            try {
                StatementPolicy.checkLength(statements.get(i).sql(), s.config().readLimits().maxSqlLength());
                // Values and slots that do not match fail the write in the applier, as here: refused before the log, also with wait=false.
                io.cairn.tenantdb.sql.ParameterBinder.match(StatementPolicy.checkWrite(statements.get(i).sql()), statements.get(i).positional(),
                        statements.get(i).named());
            } catch (SqlRefusal r) {
                throw new ApiError(r.code(), r.getMessage(), i, Map.of());
            }
            boolean returnsRows = RowReturning.mayReturnRows(statements.get(i).sql());
            if (returnsRows) ctx.attribute(RETURNS_ROWS, true); // its outcome may be large: an allowance is charged for it (TenantLogRate)
            if (!mayRead && returnsRows) {
                throw new ApiError(ErrorCode.FORBIDDEN, "this API key lacks the \"read\" scope, and this statement answers with rows"
                        + " (SELECT, VALUES, RETURNING, EXPLAIN): send it with a key that may read", i, Map.of());
            }
        }
        String idempotencyKey = ctx.header("Idempotency-Key");
        if (idempotencyKey != null && java.util.Collections.list(ctx.req().getHeaders("Idempotency-Key")).size() > 1) {
            // Which one would count is anyone's guess: a retry sending the other would apply the write twice.
            throw ApiError.invalidRequest("\"Idempotency-Key\": send one such header, not several");
        }
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY)) {
            throw ApiError.invalidRequest("\"Idempotency-Key\" must be 1 to " + MAX_IDEMPOTENCY_KEY + " bytes (UTF-8), not only spaces");
        }
        s.requireLog();
        TenantCommand command = Commands.execute(tenant, statements, idempotencyKey, unchangedSince == null ? null : unchangedSince.offset());
        // The key it came with: the applier refuses it if a revoke of that key comes before it in the log (another edge
        // may take the key until the revoke is applied).
        if (s.principal(ctx) instanceof Principal.TenantKey key) command.setApiKeyId(key.keyId());
        return command;
    }

    private void queryTimed(Context ctx) throws InterruptedException {
        String tenant = EdgeServices.tenantParam(ctx);
        Authenticator.requireTenantAccess(s.principal(ctx), tenant, Scope.READ);
        TenantState state = s.existing(tenant);
        JsonNode body = bodies.object(ctx, false);
        JsonFields.only(body, "", QUERY_FIELDS);
        StatementSpec spec = StatementParser.statement(body, 0, "");
        try {
            StatementPolicy.checkLength(spec.sql(), s.config().readLimits().maxSqlLength());
        } catch (SqlRefusal r) {
            throw new ApiError(r.code(), r.getMessage());
        }
        Bookmark asOf = RestoreRoutes.asOf(s, state, body.get("as_of"));
        if (asOf != null) {
            if (body.hasNonNull("bookmark")) throw ApiError.invalidRequest("\"as_of\" reads a past point: it takes no \"bookmark\"");
            if (body.hasNonNull("consistency") || body.hasNonNull("max_lag_ms")) {
                throw ApiError.invalidRequest("\"as_of\" reads a past point, the same on every copy: it takes no \"consistency\" or \"max_lag_ms\"");
            }
            answer(ctx, tenant, state.getCreatedOffset(), s.pastCopies().run(tenant, asOf, spec), true, null);
            return;
        }
        Bookmark atLeast = bookmark(body.get("bookmark"), state);
        if (atLeast != null && !s.logEnds().issued(atLeast)) {
            throw new ApiError(ErrorCode.INVALID_BOOKMARK, "bookmark " + atLeast + " is past the end of the tenant's log:"
                    + " it was not issued by this Cairn (use the bookmark a write or a read returned)");
        }
        ReadLevel level = ReadLevel.parse(body.get("consistency"), body.get("max_lag_ms"), atLeast != null);
        Duration wait = waitTime(body.get("timeout_ms"));
        CopyReads.Served served = copyReads.read(tenant, state, spec, level, atLeast, wait);
        if (!ReadCopy.PRIMARY.equals(served.copy())) s.repairs().thawIfARunWaits(state);
        answer(ctx, tenant, state.getCreatedOffset(), served.result(), false, served.copy());
    }

    /**
     * Streams a read's answer; {@code pastPoint}: it was read as of a past point, which {@code "as_of"} names as the
     * tenant's last record at or before the point asked (the position the copy holds, not the bookmark or time
     * sent); {@code copy} (when not null) the copy that served it; {@code life}, the tenant's creation offset, is
     * whose use it counts as.
     */
    private void answer(Context ctx, String tenant, long life, QueryResult r, boolean pastPoint, String copy) {
        int sent = Responses.stream(ctx, 200, g -> {
            // Streamed, not built as a tree: a read's rows go from SQLite to the wire with one copy.
            g.writeStartObject();
            g.writeArrayFieldStart("columns");
            for (String c : r.columns()) g.writeString(c);
            g.writeEndArray();
            g.writeArrayFieldStart("rows");
            for (List<Object> row : r.rows()) {
                g.writeStartArray();
                for (Object v : row) JsonValues.write(g, v);
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeStringField("bookmark", r.position().toString());
            if (pastPoint) g.writeStringField("as_of", r.position().toString());
            if (copy != null) g.writeStringField("copy", copy);
            g.writeEndObject();
        });
        s.access().read(tenant, life, r.rows().size(), RequestBodies.bodyBytes(ctx), sent);
    }

    /**
     * {@code GET /v1/tenants/{t}/checksum[?as_of=...]}: the hash of the tenant's logical content at the position
     * it reports (now, or as of a past point).
     */
    void checksum(Context ctx) throws InterruptedException {
        String tenant = EdgeServices.tenantParam(ctx);
        Authenticator.requireTenantAccess(s.principal(ctx), tenant, Scope.READ);
        TenantState state = s.existing(tenant);
        String asOfParam = ctx.queryParam("as_of");
        Bookmark asOf = RestoreRoutes.asOf(s, state, asOfParam == null ? null : Responses.MAPPER.getNodeFactory().textNode(asOfParam));
        QueryRunner.Checksum c = asOf != null ? s.pastCopies().checksum(tenant, asOf)
                : s.repairs().read(tenant, s.config().readWaitDefault(), () -> s.queries().checksum(tenant), s.coldReads() == null ? null
                        : (snapshotOffset, sha256, coldUpTo) -> s.coldReads().checksum(tenant, snapshotOffset, sha256)); // cold: from its snapshot
        var out = Responses.object().put("bookmark", c.position().toString()).put("sha256", c.sha256());
        // As for /query: as_of names the tenant's record the checksum was computed at.
        if (asOf != null) out.put("as_of", c.position().toString());
        Responses.json(ctx, 200, out);
    }

    private static Bookmark bookmark(JsonNode node, TenantState state) {
        return bookmark(node, state, "bookmark");
    }

    private static Bookmark bookmark(JsonNode node, TenantState state, String field) {
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw new ApiError(ErrorCode.INVALID_BOOKMARK, "\"" + field + "\" must be a string like \"3:1042\"");
        Bookmark b;
        try {
            b = Bookmark.parse(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new ApiError(ErrorCode.INVALID_BOOKMARK, e.getMessage());
        }
        if (b.partition() != state.getPartition()) {
            throw new ApiError(ErrorCode.INVALID_BOOKMARK, RestorePoints.notOfTenant(b, state));
        }
        return b;
    }

    private Duration waitTime(JsonNode node) {
        if (node == null || node.isNull()) return s.config().readWaitDefault();
        long max = s.config().readWaitMax().toMillis();
        if (!node.canConvertToLong() || !node.isIntegralNumber() || node.longValue() < 0 || node.longValue() > max) {
            throw ApiError.invalidRequest("\"timeout_ms\" must be an integer from 0 to " + max);
        }
        return Duration.ofMillis(Math.max(1, node.longValue()));
    }

    /** {@code ?wait=}: absent or {@code true} waits for the outcome, {@code false} answers once the log has the write; anything else is 400. */
    static boolean waitForOutcome(String wait) {
        if (wait == null || wait.equalsIgnoreCase("true")) return true;
        if (wait.equalsIgnoreCase("false")) return false;
        throw ApiError.invalidRequest("\"wait\" must be true or false (false: answer once the log has the write)");
    }
}
