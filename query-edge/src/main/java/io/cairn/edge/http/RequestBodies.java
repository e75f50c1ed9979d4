package io.cairn.edge.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body as one JSON object, never buffering more than the configured limit: a client
 * cannot make the edge hold more than {@code maxBytes} whatever it sends or claims to send.
 */
final class RequestBodies {
    private final int maxBytes;

    RequestBodies(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The body as a JSON object; an empty body is {@code {}} when {@code emptyAllowed}. */
    JsonNode object(Context ctx, boolean emptyAllowed) {
        byte[] bytes = read(ctx);
        if (bytes.length == 0) {
            if (emptyAllowed) return Responses.object();
            throw ApiError.invalidRequest("the request needs a JSON object body");
        }
        JsonNode node;
        try {
            node = Responses.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new ApiError(ErrorCode.INVALID_JSON, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError(ErrorCode.INVALID_JSON, "the body is not valid JSON");
        }
        if (node == null || !node.isObject()) throw ApiError.invalidRequest("the body must be a JSON object");
        return node;
    }

    private byte[] read(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) throw tooLarge();
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) throw tooLarge();
            return bytes;
        } catch (IOException e) {
            throw ApiError.invalidRequest("the request body could not be read");
        }
    }

    private ApiError tooLarge() {
        return new ApiError(ErrorCode.REQUEST_TOO_LARGE, "the request body exceeds " + maxBytes + " bytes");
    }
}
