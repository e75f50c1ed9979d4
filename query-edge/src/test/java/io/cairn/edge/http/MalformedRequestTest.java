package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.edge.QueryEdge;
import io.cairn.edge.config.EdgeConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests refused before any route runs get the API's JSON error with a stable code: those Jetty refuses (a
 * URI that is not UTF-8 or holds a NUL, a URI or headers over Jetty's limits, a bad request line or
 * Content-Length), not with Jetty's HTML page, and those the edge refuses by their headers or method. HTTP is
 * served whether or not Kafka is there, so no broker is needed.
 */
class MalformedRequestTest {
    @TempDir static Path hot;
    /** One edge for every case. */
    private static QueryEdge edge;

    @BeforeAll
    static void start() {
        EdgeConfig config = EdgeConfig.defaults("malformed-request-test-token", hot).withHost("127.0.0.1").withPort(0);
        edge = QueryEdge.start(config, Map.of("bootstrap.servers", "127.0.0.1:1"), List.of(), null);
    }

    @AfterAll
    static void stop() {
        if (edge != null) edge.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a NUL in the path           | GET /v1/tenants/%00 HTTP/1.1                   |     | 400 | invalid_request",
            "a path that is not UTF-8    | GET /v1/tenants/%ff/query HTTP/1.1             |     | 400 | invalid_request",
            "a lone percent sign         | GET /v1/tenants/% HTTP/1.1                     |     | 400 | invalid_request",
            "no URI at all               | GARBAGE                                        |     | 400 | invalid_request",
            "an HTTP version unknown     | GET /v1/tenants HTTP/9.9                       |     | 400 | invalid_request",
            "a Content-Length not a number | POST /v1/tenants HTTP/1.1                    | Content-Length: abc | 400 | invalid_request",
            "a URI of 20,000 characters  | GET /v1/tenants/LONG HTTP/1.1                  |     | 414 | uri_too_long",
            "a header of 70,000 bytes    | GET /v1/tenants HTTP/1.1                       | X-Big: HUGE | 431 | headers_too_large",
            "an Expect the edge does not do | GET /v1/tenants HTTP/1.1                    | Expect: something-else | 400 | invalid_request",
            "an Idempotency-Key on a restore | POST /v1/tenants/acme/restore HTTP/1.1     | Idempotency-Key: r-1 | 400 | invalid_request",
            "an Idempotency-Key on a create | POST /v1/tenants HTTP/1.1                   | Idempotency-Key: c-1 | 400 | invalid_request",
    })
    void isAnsweredWithTheJsonErrorShape(String what, String requestLine, String header, int status, String code) throws Exception {
        String line = requestLine.replace("LONG", "a".repeat(20_000));
        String extra = header == null ? "" : header.replace("HUGE", "b".repeat(70_000)) + "\r\n";
        String answer = send(line + "\r\nHost: x\r\n" + extra + "\r\n");
        assertThat(answer).as(what).startsWith("HTTP/1.1 " + status + " ");
        String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
        assertThat(head).contains("content-type: application/json");
        JsonNode error = Responses.MAPPER.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("error");
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.path("message").asText()).isNotBlank().doesNotContain("<");
    }

    /**
     * Requests the edge refuses by their headers or method before routing, authentication or the route run
     * ({@link RequestGate}), or by their query parameters before the route runs ({@link QueryParameters});
     * {@code allow} is the 405's {@code Allow} header, {@code says} a part of the message.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a method override revokes no key | POST /v1/tenants/fx/keys/k1 | X-HTTP-Method-Override: DELETE | 400 | invalid_request | | X-HTTP-Method-Override",
            "X-HTTP-Method is no override     | POST /v1/tenants/fx/keys/k1 | X-HTTP-Method: DELETE          | 400 | invalid_request | | header X-HTTP-Method is refused",
            "X-Method-Override is none either | GET /v1/tenants/fx          | X-Method-Override: DELETE      | 400 | invalid_request | | X-Method-Override",
            "a body labelled gzip             | POST /v1/tenants/fx/query   | Content-Encoding: gzip         | 415 | unsupported_media_type | | without Content-Encoding",
            "any coding but identity          | POST /v1/tenants            | Content-Encoding: identity, br | 415 | unsupported_media_type | | identity, br",
            "identity is no encoding          | POST /v1/tenants/FX/query   | Content-Encoding: identity     | 400 | invalid_tenant | |",
            "a method the path does not take  | PATCH /v1/tenants/acme2     |                                | 405 | method_not_allowed | DELETE, GET |",
            "a key is only deleted            | POST /v1/tenants/fx/keys/k1 |                                | 405 | method_not_allowed | DELETE |",
            "a trailing slash is the same path | PUT /v1/tenants/fx/keys/   |                                | 405 | method_not_allowed | GET, POST |",
            "the console is only read         | POST /console               |                                | 405 | method_not_allowed | GET |",
            "HEAD runs no route: no 200 for a tenant that does not exist | HEAD /v1/tenants/zzz9 | | 405 | | DELETE, GET |",
            "HEAD on the API's document       | HEAD /v1/openapi.json       |                                | 405 | | GET |",
            "HEAD on no route                 | HEAD /v1/nothing-here       |                                | 404 | | |",
            "the API's document is a /v1 route | GET /v1/openapi.json?bogus=1 |                              | 400 | invalid_request | | \"bogus\"",
    })
    void isRefusedBeforeAnyRouteRuns(String what, String requestLine, String header, int status, String code, String allow, String says)
            throws Exception {
        String answer = send(requestLine + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer malformed-request-test-token\r\n"
                + (header == null ? "" : header + "\r\n") + "Content-Length: 0\r\n\r\n");
        assertThat(answer).as(what).startsWith("HTTP/1.1 " + status + " ");
        String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
        if (allow != null) assertThat(head).as(what).contains("\r\nallow: " + allow.toLowerCase(java.util.Locale.ROOT) + "\r\n");
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        if (requestLine.startsWith("HEAD ")) {
            assertThat(body).as("a HEAD answer has no body").isEmpty();
            return;
        }
        JsonNode error = Responses.MAPPER.readTree(body).path("error");
        assertThat(error.path("code").asText()).as(what).isEqualTo(code);
        if (says != null) assertThat(error.path("message").asText()).as(what).contains(says);
    }

    /** A retriable error says when to retry: here the edge has no Kafka, so an authenticated route is 503 unavailable. */
    @org.junit.jupiter.api.Test
    void aRetriableErrorSaysWhenToRetry() throws Exception {
        String answer = send("GET /v1/tenants/fx HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer malformed-request-test-token\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 503 ");
        assertThat(answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT)).contains("\r\nretry-after: 1\r\n");
    }

    private String send(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", edge.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // the answer is complete when the server holds the connection open or resets it after writing
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
