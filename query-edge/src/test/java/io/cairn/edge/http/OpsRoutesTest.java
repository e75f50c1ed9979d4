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

    /** An applier held on one record 141 s while /health said ok (outside probe): a primary copy a write's wait behind degrades. */
    @Test
    void aPrimaryCopyAWritesWaitBehindIsADegradedApplierThoughItNamesNoFailure() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode details = (com.fasterxml.jackson.databind.node.ObjectNode) Responses.MAPPER.readTree(
                "{\"copies\":{\"primary\":{\"lag_ms\":29999}}}");
        assertThat(OpsRoutes.degraded(details, 30_000)).isEmpty();
        ((com.fasterxml.jackson.databind.node.ObjectNode) details.path("copies").path("primary")).put("lag_ms", 30_000);
        assertThat(OpsRoutes.degraded(details, 30_000)).extracting(com.fasterxml.jackson.databind.JsonNode::asText).containsExactly("applier");
        details.put("storage", "refused");
        assertThat(OpsRoutes.degraded(details, 30_000)).extracting(com.fasterxml.jackson.databind.JsonNode::asText).containsExactly("applier", "storage");
    }
}
