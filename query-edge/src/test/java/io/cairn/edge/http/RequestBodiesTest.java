package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JacksonException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestBodiesTest {
    private static String message(String body) {
        try {
            Responses.MAPPER.readTree(body.getBytes(StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            return RequestBodies.invalidJson(e);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError("parsed: " + body);
    }

    @Test
    void aBodyThatCameTooSlowlyIsATimeoutNotAMalformedRequest() {
        // What Jetty's minimum data rate throws while the body is read, wrapped as the servlet stream wraps it
        assertThat(RequestBodies.tooSlow(new java.io.IOException(new org.eclipse.jetty.http.BadMessageException(408, "Request content data rate < 1024 B/s"))))
                .isTrue();
        assertThat(RequestBodies.tooSlow(new java.io.IOException(new java.util.concurrent.TimeoutException("Idle timeout expired")))).isTrue();
        assertThat(RequestBodies.tooSlow(new org.eclipse.jetty.io.EofException("reset by peer"))).isFalse();
        assertThat(RequestBodies.tooSlow(new java.io.IOException(new org.eclipse.jetty.http.BadMessageException(400, "bad chunk")))).isFalse();
    }

    @Test
    void aBodyMustBeStrictUtf8() {
        byte[][] refused = {
            {'{', '"', 's', '"', ':', '"', (byte) 0xC0, (byte) 0xA7, '"', '}'}, // an overlong quote
            {'{', '"', 's', '"', ':', '"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', '}'}, // past U+10FFFF
            {'{', '"', 's', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}, // a surrogate, encoded
            "{\"s\":1}".getBytes(StandardCharsets.UTF_16LE),
            "{\"s\":1}".getBytes(java.nio.charset.Charset.forName("UTF-32BE"))};
        for (byte[] body : refused) {
            assertThatThrownBy(() -> RequestBodies.requireUtf8(body)).isInstanceOfSatisfying(io.cairn.edge.error.ApiError.class,
                    e -> assertThat(e.code()).isEqualTo(io.cairn.topics.ErrorCode.INVALID_JSON));
        }
        RequestBodies.requireUtf8("{\"s\":\"d\u00e9j\u00e0 \ud83d\ude00 \\u0000\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void invalidJsonIsExplainedInPlainWordsWithoutTheParsersInternals() {
        List<String> bodies = List.of("{\"sql\": ", "{\"sql\":\"a\",\"sql\":\"b\"}", "{sql: 1}", "{\"a\": tru}",
                "[".repeat(2_000) + "]".repeat(2_000), "{\"n\": 1" + "0".repeat(2_000) + "}", "{\"s\":\"a\u0001b\"}", "nul");
        for (String body : bodies) {
            String m = message(body);
            assertThat(m).as(body.length() > 40 ? body.substring(0, 40) : body).startsWith("the body is not valid JSON")
                    .doesNotContain("com.fasterxml", "jackson", "Jackson", "StreamRead", "Feature", "Constraints", "getMax", "Enable");
        }
        assertThat(message("{\"sql\":\"a\",\"sql\":\"b\"}")).contains("same field twice");
        assertThat(message("{\"sql\": ")).contains("ends in the middle");
        assertThat(message("[".repeat(2_000) + "]".repeat(2_000))).contains("JSON limit");
    }

    @Test
    void aBodyIsOneJsonValueNothingAfterIt() {
        assertThat(message("{\"sql\":\"INSERT INTO t VALUES (1)\"} {\"sql\":\"DROP TABLE t\"}"))
                .contains("more after the JSON value").doesNotContain("jackson", "Feature");
        assertThat(message("{\"sql\":\"SELECT 1\"} garbage")).startsWith("the body is not valid JSON");
        assertThat(message("{\"sql\":\"SELECT 1\"}]")).startsWith("the body is not valid JSON");
    }

    @Test
    void whitespaceAroundTheValueIsFine() throws Exception {
        assertThat(Responses.MAPPER.readTree(" \n{\"sql\":\"SELECT 1\"}\r\n \t".getBytes(StandardCharsets.UTF_8)).path("sql").asText())
                .isEqualTo("SELECT 1");
    }
}
