package io.cairn.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A command prints the server's refusal with its own options where the message names the request's fields. */
class ErrorLineTest {
    @Test
    void theRequestsFieldsAreNamedAsTheCommandsOptions() throws Exception {
        ApiOptions.Response refused = new ApiOptions.Response(400, ApiOptions.JSON.readTree(
                "{\"error\":{\"code\":\"invalid_request\",\"message\":\"\\\"as_of\\\" must be a bookmark (\\\"3:1042\\\") or a time\"}}"));
        assertThat(refused.errorLine("\"as_of\"", "--as-of", "\"format\"", "--format"))
                .isEqualTo("400 invalid_request: --as-of must be a bookmark (\"3:1042\") or a time");
        assertThat(refused.errorLine()).isEqualTo("400 invalid_request: \"as_of\" must be a bookmark (\"3:1042\") or a time");
    }
}
