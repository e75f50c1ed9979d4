package io.cairn.edge.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.edge.error.ApiError;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/** Writes JSON responses, including the one error shape every failure uses. */
final class Responses {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // One request, one JSON value: '{"sql":"A"} {"sql":"B"}' applied A and dropped B without a word.
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Responses() {}

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** What writes one response body with a Jackson generator. */
    interface BodyWriter {
        void write(JsonGenerator g) throws IOException;
    }

    /** Answers {@code status} with the JSON {@code writer} produces, streamed without a tree; returns the body's bytes. */
    static int stream(Context ctx, int status, BodyWriter writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        send(ctx, status, out.toByteArray());
        return out.size();
    }

    /** The request's {@link BodyBudget} for answers (set by the route's guard): a large answer is held in it while written. */
    static final String ANSWERS = "cairn.answer.budget";

    /**
     * Answers {@code bytes}. A large answer on a tenant's route is written here, within the handler, held in the
     * tenant's share of {@link #ANSWERS} until written: an answer waits in the edge's heap for as long as its client
     * takes to read it, and one tenant's 300 connections that never read their 7 MB answers held 1.3 GB. Past the
     * tenant's share the answer is 429 instead (a client reading its answers is never near it).
     */
    private static void send(Context ctx, int status, byte[] bytes) {
        BodyBudget budget = ctx.attribute(ANSWERS);
        if (budget == null || bytes.length <= BodyBudget.SMALL) {
            ctx.status(status).contentType("application/json").result(bytes);
            return;
        }
        BodyBudget.Hold hold = budget.open(ctx.pathParamMap().get("tenant"));
        try {
            hold.grow(bytes.length);
        } catch (ApiError refused) {
            if (refused.code() == io.cairn.topics.ErrorCode.TOO_MANY_REQUESTS) ctx.header("Retry-After", "1");
            try {
                ctx.status(refused.status()).contentType("application/json").result((MAPPER.writeValueAsString(errorBody(refused)) + "\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        ctx.status(status).contentType("application/json");
        try (java.io.OutputStream out = ctx.outputStream()) {
            out.write(bytes);
        } catch (IOException e) {
            // the client went away: nothing to answer
        } finally {
            hold.release();
        }
    }

    /** Answers {@code status} with {@code body}; returns the body's bytes. */
    static int json(Context ctx, int status, JsonNode body) {
        try {
            // A trailing newline, so a body printed by curl does not run into the shell prompt.
            byte[] bytes = MAPPER.writeValueAsBytes(body);
            byte[] withNewline = Arrays.copyOf(bytes, bytes.length + 1);
            withNewline[bytes.length] = '\n';
            send(ctx, status, withNewline);
            return withNewline.length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code {"error":{"code","message","statement"?,...extra}}} with the error's status; every retriable code
     * ({@code too_many_requests}, {@code unavailable}, {@code storage_full}, {@code bookmark_timeout}, ...) with a
     * {@code Retry-After} (5 s for a full disk or a standby, else 1 s), which clients honour (docs/clients.md).
     * Never on {@code write_timeout}: the write is in the log, and sent again without an Idempotency-Key it applies twice.
     */
    static void error(Context ctx, ApiError e) {
        if (e.code().retriable() && ctx.res().getHeader("Retry-After") == null) {
            boolean slow = e.code() == io.cairn.topics.ErrorCode.STORAGE_FULL || e.code() == io.cairn.topics.ErrorCode.STANDBY_READ_ONLY;
            ctx.header("Retry-After", slow ? "5" : "1");
        }
        json(ctx, e.status(), errorBody(e));
    }

    /** {@code {"error":{"code","message","statement"?,...extra}}} */
    static ObjectNode errorBody(ApiError e) {
        ObjectNode body = object();
        ObjectNode err = body.putObject("error");
        err.put("code", e.code().wire());
        err.put("message", e.getMessage());
        if (e.statement() != null) err.put("statement", e.statement());
        e.extra().forEach((name, value) -> {
            switch (value) {
                case Integer i -> err.put(name, i);
                case Long l -> err.put(name, l);
                default -> err.put(name, value.toString());
            }
        });
        return body;
    }
}
