package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An error keeps the server's Retry-After, so a caller that gives up retrying knows how long to wait. */
class RetryAfterTest {
    private static final com.fasterxml.jackson.databind.JsonNode BODY = Json.NODES.objectNode().set("error",
            Json.NODES.objectNode().put("code", "too_many_requests").put("message", "slow down"));

    private static CairnException answered(int status, String... retryAfter) {
        return Transport.error(status, BODY, HttpHeaders.of(retryAfter.length == 0 ? Map.of() : Map.of("Retry-After", List.of(retryAfter)), (k, v) -> true));
    }

    @Test
    void anErrorCarriesTheAnswersRetryAfterInSeconds() {
        CairnException e = answered(429, "5");
        assertThat(e.code()).isEqualTo("too_many_requests");
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(5));
        assertThat(answered(503, "0").retryAfter()).contains(Duration.ZERO);
    }

    @Test
    void noRetryAfterOrOneThatIsNoNumberOfSecondsIsEmpty() {
        assertThat(answered(400).retryAfter()).isEmpty();
        assertThat(answered(503, "Wed, 21 Oct 2026 07:28:00 GMT").retryAfter()).as("an HTTP date").isEmpty();
        assertThat(answered(503, "-1").retryAfter()).isEmpty();
        assertThat(new CairnException(0, "unreachable", "no answer", null, null).retryAfter()).isEmpty();
    }
}
