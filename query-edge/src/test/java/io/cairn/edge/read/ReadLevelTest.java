package io.cairn.edge.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.edge.error.ApiError;
import org.junit.jupiter.api.Test;

/** What {@code "consistency"} and {@code "max_lag_ms"} accept, and the defaults. */
class ReadLevelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ReadLevel parse(String body, boolean bookmark) throws Exception {
        JsonNode n = JSON.readTree(body);
        return ReadLevel.parse(n.get("consistency"), n.get("max_lag_ms"), bookmark);
    }

    @Test
    void aBookmarkMakesTheDefaultSessionAndItsAbsenceEventual() throws Exception {
        assertThat(parse("{}", true).level()).isEqualTo(ReadLevel.Level.SESSION);
        assertThat(parse("{}", false).level()).isEqualTo(ReadLevel.Level.EVENTUAL);
        assertThat(parse("{\"consistency\":\"strong\"}", true).level()).isEqualTo(ReadLevel.Level.STRONG);
        assertThat(parse("{\"consistency\":\"eventual\",\"max_lag_ms\":250}", false)).isEqualTo(new ReadLevel(ReadLevel.Level.EVENTUAL, 250L));
        assertThat(parse("{\"max_lag_ms\":250}", false)).as("a bound alone: eventual").isEqualTo(new ReadLevel(ReadLevel.Level.EVENTUAL, 250L));
        assertThatThrownBy(() -> parse("{\"max_lag_ms\":250}", true)).as("a bookmark makes it a session read").isInstanceOf(ApiError.class);
    }

    @Test
    void anythingElseIsInvalid() {
        for (String body : new String[] {"{\"consistency\":\"linearizable\"}", "{\"consistency\":1}", "{\"consistency\":\"STRONG\"}",
                "{\"consistency\":\"strong\",\"max_lag_ms\":10}", "{\"consistency\":\"eventual\",\"max_lag_ms\":-1}",
                "{\"consistency\":\"eventual\",\"max_lag_ms\":1.5}", "{\"consistency\":\"eventual\",\"max_lag_ms\":\"10\"}",
                "{\"consistency\":\"eventual\",\"max_lag_ms\":3600001}"}) {
            assertThatThrownBy(() -> parse(body, false)).as(body).isInstanceOf(ApiError.class)
                    .satisfies(e -> assertThat(((ApiError) e).code().wire()).isEqualTo("invalid_request"));
        }
    }
}
