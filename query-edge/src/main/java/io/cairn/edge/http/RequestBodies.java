package io.cairn.edge.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.write.TenantLogRate;
import io.cairn.topics.ErrorCode;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body as one JSON object, never buffering more than the configured limit: a client
 * cannot make the edge hold more than {@code maxBytes} whatever it sends or claims to send. A body on a
 * tenant's route is held in that tenant's {@link BodyBudget} from before it is read until {@link #release}.
 */
final class RequestBodies {
    private static final String BODY_BYTES = "cairn.body.bytes";
    private static final String HOLD = "cairn.body.hold";

    private final int maxBytes;
    private final BodyBudget budget;
    private final long minBytesPerSecond;
    /**
     * Each tenant's share of refused bodies this edge reads to the end, so that their clients see the answer: a 1 MB
     * body refused (429 past the tenant's share of the log) was still read, and a tenant sending them from 16
     * connections took 1.55 of the edge's 2 cores, charged nothing (outside probe). Past it, a refused body is left
     * unread and its connection closed after the answer.
     */
    private final TenantLogRate drains = new TenantLogRate(DRAIN_SHARE_BYTES_PER_SECOND, DRAIN_SHARE_BURST_BYTES);

    /**
     * Each tenant's share of request bodies this edge reads, on every route of the tenant, refused or not: the same
     * flood of 1 MB bodies sent to {@code /query}, which put nothing in the log, cost as much (outside probe).
     */
    private final TenantLogRate arrivals = new TenantLogRate(BODY_SHARE_BYTES_PER_SECOND, BODY_SHARE_BURST_BYTES);

    /** The request bodies a tenant's clients may send, per edge: on average (bytes a second). */
    static final long BODY_SHARE_BYTES_PER_SECOND = 16L << 20;
    /** The request bodies a tenant's clients may send, per edge: at once (bytes). */
    static final long BODY_SHARE_BURST_BYTES = 64L << 20;
    /** The refused bodies a tenant's clients may send in full, per edge: on average (bytes a second). */
    static final long DRAIN_SHARE_BYTES_PER_SECOND = 16L << 20;
    /** The refused bodies a tenant's clients may send in full, per edge: at once (bytes). */
    static final long DRAIN_SHARE_BURST_BYTES = 64L << 20;

    RequestBodies(int maxBytes, BodyBudget budget, long minBytesPerSecond) {
        this.maxBytes = maxBytes;
        this.budget = budget;
        this.minBytesPerSecond = minBytesPerSecond;
    }

    /** The request's body as a stream held to the edge's minimum rate ({@link MinimumRate}). */
    InputStream stream(Context ctx) throws IOException {
        return MinimumRate.of(ctx.req().getInputStream(), minBytesPerSecond, ctx.req().getContentLengthLong());
    }

    /**
     * Lets go of the bytes this request's body holds in its tenant's budget: call it once the request no
     * longer refers to the body or anything made of it. Every request does at its end; more calls do nothing.
     */
    static void release(Context ctx) {
        BodyBudget.Hold hold = ctx.attribute(HOLD);
        if (hold != null) hold.release();
    }

    /**
     * The body of a request that takes none: empty, or {@code {}}. Anything else is refused (400), never ignored:
     * a field sent there is something the client expects to happen (a snapshot "at" a point), and nothing would.
     */
    void none(Context ctx) {
        JsonNode body = object(ctx, true);
        if (!body.isEmpty()) {
            throw ApiError.invalidRequest("this request takes no body, and this one has \"" + body.fieldNames().next() + "\": send none, or {}");
        }
    }

    /** The body as a JSON object; an empty body is {@code {}} when {@code emptyAllowed}. */
    JsonNode object(Context ctx, boolean emptyAllowed) {
        return object(ctx, emptyAllowed, n -> {});
    }

    /**
     * As {@link #object(Context, boolean)}, telling {@code arrived} the body's size before it is parsed, which may
     * refuse it (throw): a declared length ({@code Content-Length}) before anything of it is read, a body of no declared
     * length in parts as they come. A refused body is read to its end only within the tenant's share of refused bodies
     * ({@link #drains}).
     */
    JsonNode object(Context ctx, boolean emptyAllowed, java.util.function.IntConsumer arrived) {
        byte[] bytes = read(ctx, arrived);
        if (bytes.length == 0) {
            if (emptyAllowed) return Responses.object();
            throw ApiError.invalidRequest("the request needs a JSON object body");
        }
        JsonNode node;
        try {
            requireUtf8(bytes);
            node = Responses.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new ApiError(ErrorCode.INVALID_JSON, invalidJson(e));
        } catch (IOException e) {
            throw new ApiError(ErrorCode.INVALID_JSON, "the body is not valid JSON");
        }
        if (node == null || !node.isObject()) throw ApiError.invalidRequest("the body must be a JSON object");
        return node;
    }

    /**
     * A body is UTF-8 as RFC 8259 requires, strictly: the parser took overlong forms ({@code C0 A7} read as a quote, so a
     * filter in front saw other bytes than the edge ran), a code point past U+10FFFF as a "surrogate" error, and UTF-16
     * or UTF-32 bodies, which it detects, as if they were allowed. A NUL byte is never in a JSON text outside a string,
     * and inside one it must be escaped: one here is a UTF-16 or UTF-32 body.
     */
    static void requireUtf8(byte[] bytes) {
        boolean ascii = true;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) throw new ApiError(ErrorCode.INVALID_JSON, "the body is not valid JSON: it is not UTF-8 (a NUL byte at " + i
                    + "; UTF-16 and UTF-32 bodies are not taken)");
            ascii &= bytes[i] > 0;
        }
        if (ascii) return; // ASCII is UTF-8: most bodies need no decoder
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ApiError(ErrorCode.INVALID_JSON, "the body is not valid JSON: it is not valid UTF-8 (an overlong, cut or out-of-range"
                    + " byte sequence)");
        }
    }

    /**
     * A message of our own words for a body the parser refused: where, and which of a few plain
     * reasons. The parser's own text names its classes and settings, which mean nothing to a client.
     */
    static String invalidJson(JacksonException e) {
        String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        String raw = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        String why;
        if (e instanceof StreamConstraintsException) why = "it exceeds a JSON limit (nesting depth, or the length of a number, string or name)";
        else if (raw.startsWith("Duplicate field")) why = "an object has the same field twice";
        else if (raw.startsWith("Trailing token")) why = "there is more after the JSON value (one JSON object per request)";
        else if (raw.contains("end-of-input")) why = "it ends in the middle of a value";
        else if (raw.startsWith("Unexpected character") || raw.startsWith("Unrecognized token")) why = "it has a character or word JSON does not allow there";
        else if (raw.contains("control character") || raw.contains("CTRL-CHAR")) why = "a string holds an unescaped control character";
        else if (raw.contains("surrogate") || raw.contains("UTF-8") || raw.contains("byte")) why = "it is not valid UTF-8";
        else why = "it does not follow the JSON grammar";
        return "the body is not valid JSON" + where + ": " + why;
    }

    private byte[] read(Context ctx, java.util.function.IntConsumer routes) {
        long declared = ctx.req().getContentLengthLong();
        String tenant = ctx.pathParamMap().get("tenant");
        java.util.function.IntConsumer arrived = tenant == null ? routes : n -> {
            arrive(tenant, n);
            routes.accept(n);
        };
        // A client waiting for "100 Continue" has sent nothing yet: answered 413 (or 429, past its tenant's share of
        // bodies) at once, before the body's stream is opened (opening it invites the body), never drained.
        boolean waitsToSend = "100-continue".equalsIgnoreCase(ctx.header("Expect"));
        if (declared > maxBytes && waitsToSend) throw tooLarge();
        BodyBudget.Hold hold = hold(ctx);
        ApiError pastShare = null;
        try {
            if (declared >= 0 && declared <= maxBytes) {
                arrived.accept((int) declared);
                if (declared > 0) hold.grow(declared); // held whole before it is asked for
            }
        } catch (ApiError refused) {
            if (waitsToSend) throw refused;
            pastShare = refused;
        }
        try (InputStream in = stream(ctx)) {
            if (declared > maxBytes || pastShare != null) {
                drain(ctx, in, declared); // a client sending its body sees the answer, not a reset connection
                throw pastShare != null ? pastShare : tooLarge();
            }
            try {
                byte[] bytes = declared >= 0 ? in.readNBytes((int) declared) : undeclared(ctx, in, hold, arrived);
                ctx.attribute(BODY_BYTES, bytes.length);
                return bytes;
            } catch (ApiError refused) {
                if (refused.code() != ErrorCode.REQUEST_TOO_LARGE) drain(ctx, in, -1);
                throw refused;
            }
        } catch (IOException e) {
            if (tooSlow(e)) {
                throw new ApiError(ErrorCode.REQUEST_TIMEOUT, "the request body did not arrive in time (it came in slower than the edge's"
                        + " minimum rate, or stopped); send it again");
            }
            throw ApiError.invalidRequest("the request body could not be read");
        }
    }

    /** Takes {@code bytes} of {@code tenant}'s share of request bodies ({@link #arrivals}), or refuses the request (429). */
    private void arrive(String tenant, int bytes) {
        long waitMs = arrivals.tryAdmit(tenant, bytes);
        if (waitMs == 0) return;
        throw new ApiError(ErrorCode.TOO_MANY_REQUESTS, "this tenant's requests reached their share of request bodies at this edge ("
                + (BODY_SHARE_BYTES_PER_SECOND >> 20) + " MiB a second, in bursts of up to " + (BODY_SHARE_BURST_BYTES >> 20) + " MiB), refused"
                + " or not: nothing was done; retry in " + waitMs + " ms, or send less", null, java.util.Map.of("retry_after_ms", waitMs));
    }

    /** A body of no declared length (chunked): held and told {@code arrived} as it comes, refused once past {@code maxBytes}. */
    private byte[] undeclared(Context ctx, InputStream in, BodyBudget.Hold hold, java.util.function.IntConsumer arrived) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        byte[] chunk = new byte[16 * 1024];
        arrived.accept(0); // a tenant past its share is refused before anything of it is read
        for (int n; (n = in.read(chunk)) > 0; ) {
            bytes.write(chunk, 0, n);
            if (bytes.size() > maxBytes) {
                drain(ctx, in, -1);
                throw tooLarge();
            }
            arrived.accept(n);
            hold.grow(n);
        }
        return bytes.toByteArray();
    }

    /** Whether reading the body failed because it came too slowly (Jetty's minimum data rate, an idle timeout): 408, not 400. */
    static boolean tooSlow(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException) return true;
            if (t instanceof org.eclipse.jetty.http.HttpException h && h.getCode() == 408) return true;
        }
        return false;
    }

    /**
     * Reads and drops what is left of a body refused, up to {@link #DRAIN_BYTES} and for {@link #DRAIN_NANOS}, within
     * its tenant's share of refused bodies ({@link #drains}: {@code declared} bytes, taken before; a body of no declared
     * length is let in while the share is not spent, and charged what was read): a client still sending when the answer comes would otherwise meet a reset connection instead of its
     * answer. A larger or slower body, or one past the share, is left unread and the connection closes after the
     * answer: a body sent at the minimum rate would keep the answer for hours, and reading floods costs the edge's CPU.
     */
    private void drain(Context ctx, InputStream in, long declared) throws IOException {
        String tenant = ctx.pathParamMap().getOrDefault("tenant", "");
        // A declared length is taken before it is read; a body of none is let in while the share is not spent, and charged as read.
        if (drains.tryAdmit(tenant, declared < 0 ? 0 : Math.min(declared, DRAIN_BYTES)) > 0) {
            ctx.header("Connection", "close");
            return;
        }
        byte[] sink = new byte[64 * 1024];
        long left = DRAIN_BYTES;
        long until = System.nanoTime() + DRAIN_NANOS;
        for (int n; left > 0 && System.nanoTime() - until < 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) left -= n;
        if (declared < 0) drains.charge(tenant, DRAIN_BYTES - left);
        if (left == 0 || System.nanoTime() - until >= 0) ctx.header("Connection", "close"); // more may be on its way
    }

    /** The most of a refused body the edge reads to answer on a connection that stays usable. */
    static final long DRAIN_BYTES = 16L << 20;
    /** The longest the edge reads a refused body before answering. */
    static final long DRAIN_NANOS = 5_000_000_000L;

    /** This request's hold on its tenant's budget (a route of no tenant: on the large total only). */
    private BodyBudget.Hold hold(Context ctx) {
        BodyBudget.Hold hold = ctx.attribute(HOLD);
        if (hold == null) {
            hold = budget.open(ctx.pathParamMap().get("tenant"));
            ctx.attribute(HOLD, hold);
        }
        return hold;
    }

    /** How many body bytes this request's {@link #object} read; 0 before. */
    static int bodyBytes(Context ctx) {
        Integer n = ctx.attribute(BODY_BYTES);
        return n == null ? 0 : n;
    }

    private ApiError tooLarge() {
        return new ApiError(ErrorCode.REQUEST_TOO_LARGE, "the request body exceeds " + maxBytes + " bytes: split it into several requests"
                + " (a larger value is written in parts: docs/api.md, Large values)");
    }
}
