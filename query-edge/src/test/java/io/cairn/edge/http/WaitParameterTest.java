package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import org.junit.jupiter.api.Test;

/** {@code ?wait=} of a write: true, false, or refused; never a guess that makes a client wait it did not want to, or not wait. */
class WaitParameterTest {
    @Test
    void trueFalseAndAbsentAreTakenWhateverTheirCase() {
        assertThat(DataRoutes.waitForOutcome(null)).isTrue();
        assertThat(DataRoutes.waitForOutcome("true")).isTrue();
        assertThat(DataRoutes.waitForOutcome("TRUE")).isTrue();
        assertThat(DataRoutes.waitForOutcome("false")).isFalse();
        assertThat(DataRoutes.waitForOutcome("False")).isFalse();
    }

    @Test
    void anythingElseIsAnInvalidRequestNamingTheParameter() {
        for (String vague : new String[] {"", "0", "no", "maybe", "false "}) {
            assertThatThrownBy(() -> DataRoutes.waitForOutcome(vague)).as(vague).isInstanceOf(ApiError.class)
                    .hasMessageContaining("\"wait\" must be true or false");
        }
    }
}
