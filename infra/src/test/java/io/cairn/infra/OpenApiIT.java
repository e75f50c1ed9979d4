package io.cairn.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.edge.http.HttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document: served by the edge, equal to docs/openapi.json, describing every route the edge
 * serves. (Every answer of every test on a {@link TestStack} is checked against it: {@link OpenApiContract}.)
 */
class OpenApiIT {
    @TempDir static Path data;
    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(data);
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    @Test
    void theDocumentIsServedIsInDocsAndDescribesEveryRoute() throws Exception {
        TestStack.Reply served = stack.get("/v1/openapi.json", null);
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(OpenApiContract.DOCUMENT);
        assertThat(served.body().path("openapi").asText()).isEqualTo("3.1.0");
        Path docs = Path.of("..", "docs", "openapi.json");
        assertThat(new ObjectMapper().readTree(Files.readString(docs))).as("docs/openapi.json is the served document").isEqualTo(OpenApiContract.DOCUMENT);

        assertThat(HttpServer.routes()).isNotEmpty();
        for (String route : HttpServer.routes()) {
            String method = route.substring(0, route.indexOf(' ')).toLowerCase(java.util.Locale.ROOT);
            String path = route.substring(route.indexOf(' ') + 1);
            assertThat(OpenApiContract.DOCUMENT.path("paths").path(path).has(method)).as("%s is in the document", route).isTrue();
        }
        // The contract can fail: a tenant without its fields, an undocumented success status, an error without a code.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OpenApiContract.check("GET", "/v1/tenants/acme", 200, "application/json", "{}"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not match");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OpenApiContract.check("GET", "/v1/tenants/acme", 204, null, ""))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not list status 204");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OpenApiContract.check("POST", "/v1/tenants/acme/query", 400, "application/json",
                "{\"error\":{\"message\":\"x\"}}")).isInstanceOf(AssertionError.class);
        OpenApiContract.DOCUMENT.path("paths").fieldNames().forEachRemaining(p -> assertThat(HttpServer.routes().stream()
                .anyMatch(r -> r.endsWith(" " + p))).as("%s is served", p).isTrue());
    }
}
