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
 * Requests Jetty refuses before any route runs (a URI that is not UTF-8 or holds a NUL, a URI or headers
 * over Jetty's limits, a bad request line or Content-Length) get the API's JSON error with a stable code,
 * not Jetty's HTML page. HTTP is served whether or not Kafka is there, so no broker is needed.
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
