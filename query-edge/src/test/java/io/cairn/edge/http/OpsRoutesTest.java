package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** /health's status tells a start from a failure: a check that fails after all passed once is "failing", not "starting". */
class OpsRoutesTest {
    @Test
    void aCheckThatFailsAfterTheEdgeWasReadyIsFailingNotStarting() {
        OpsRoutes ops = new OpsRoutes(null);
        assertThat(ops.status(false)).isEqualTo("starting");
        assertThat(ops.status(true)).isEqualTo("ok");
        assertThat(ops.status(false)).isEqualTo("failing");
        assertThat(ops.status(true)).isEqualTo("ok");
    }
}
