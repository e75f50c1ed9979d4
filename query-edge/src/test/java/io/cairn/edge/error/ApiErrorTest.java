package io.cairn.edge.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A refusal that begins by naming a field names it in {@code "field"}, whichever check refused it. */
class ApiErrorTest {
    @Test
    void aMessageThatBeginsWithAQuotedNameNamesTheField() {
        assertThat(ApiError.invalidRequest("\"timeout_ms\" must be an integer from 0 to 30000").extra()).containsEntry("field", "timeout_ms");
        assertThat(ApiError.invalidRequest("\"versions[0].version\" must be a whole number").extra()).containsEntry("field", "versions[0].version");
        assertThat(ApiError.invalidRequest("\"Idempotency-Key\" must be 1 to 255 bytes").extra()).as("a header's name")
                .containsEntry("field", "Idempotency-Key");
        assertThat(ApiError.invalidRequest("give exactly one of \"bookmark\" and \"time\"").extra()).doesNotContainKey("field");
        assertThat(ApiError.invalidRequest("\"not a name\" is text").extra()).doesNotContainKey("field");
    }
}
