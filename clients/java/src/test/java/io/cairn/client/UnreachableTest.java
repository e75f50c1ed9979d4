package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

/** Why a Cairn could not be reached is said in words a person can act on. */
class UnreachableTest {
    @Test
    void aHostThatDoesNotResolveIsAnUnknownHostNotARefusedConnection() {
        try (Cairn cairn = Cairn.builder().url("http://no-such-host.invalid:8080").token("cairn_admin_x").attempts(1).build()) {
            CairnException e = catchThrowableOfType(CairnException.class, () -> cairn.database("acme").query("SELECT 1"));
            assertThat(e.code()).isEqualTo("unreachable");
            assertThat(e.getMessage()).contains("unknown host");
        }
    }
}
