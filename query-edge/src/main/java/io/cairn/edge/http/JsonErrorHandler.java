package io.cairn.edge.http;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty refuses by itself, before any route runs (a URI that is not valid UTF-8 or holds a NUL, a
 * URI or headers over Jetty's limits, a malformed request line), answered in the API's JSON error shape
 * with a stable code instead of Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause, Callback callback) {
        ApiError e = error(status, message);
        response.setStatus(e.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(bytes(e)), callback);
    }

    /**
     * The API's error for Jetty's {@code status}: a malformed request (400, or 505 for an HTTP version Jetty does
     * not speak) names Jetty's reason, e.g. "Bad UTF-8 encoding" or "Invalid Content-Length Value".
     */
    static ApiError error(int status, String reason) {
        if (status == 400 || status == 505) {
            return new ApiError(ErrorCode.INVALID_REQUEST, "the HTTP request is malformed"
                    + (reason == null || reason.isBlank() ? "" : " (" + reason + ")") + "; send HTTP/1.1 with a UTF-8 percent-encoded URI");
        }
        return HttpServer.frameworkError(status);
    }

    private static byte[] bytes(ApiError e) {
        try {
            return Responses.MAPPER.writeValueAsBytes(Responses.errorBody(e));
        } catch (com.fasterxml.jackson.core.JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
