package io.cairn.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The edge's OpenAPI document ({@code /v1/openapi.json}) as a contract every answer a test receives must
 * keep: the answer's route must be described, a success status must be one the operation lists, and a JSON
 * body must validate (JSON Schema 2020-12, networknt) against the schema of its status, or of
 * {@code default} (the error shape) for an error. {@link TestStack} checks every answer it gets.
 */
final class OpenApiContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNode DOCUMENT = load();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> COMPILED = new ConcurrentHashMap<>();

    private OpenApiContract() {}

    private static JsonNode load() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/io/cairn/edge/openapi.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The document's path template a concrete path falls under (the most literal one), if any. */
    static Optional<String> template(String path) {
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        return iterate(DOCUMENT.path("paths").fieldNames()).stream()
                .filter(t -> Pattern.compile("^" + t.replaceAll("\\{[^/]+}", "[^/]+").replace(".", "\\.") + "$").matcher(bare).matches())
                .max(Comparator.comparingInt(t -> t.replaceAll("\\{[^/]+}", "").length()));
    }

    /** Throws an {@link AssertionError} naming what does not keep the contract. */
    static void check(String method, String path, int status, String contentType, String body) {
        Optional<String> template = template(path);
        if (template.isEmpty()) {
            if (status == 404 || status == 405) {
                validate("#/components/schemas/Error", method + " " + path, status, body);
                return;
            }
            throw new AssertionError("OpenAPI: no path describes " + method + " " + path + " (answered " + status + ")");
        }
        JsonNode operation = DOCUMENT.path("paths").path(template.get()).path(method.toLowerCase(java.util.Locale.ROOT));
        if (operation.isMissingNode()) {
            if (status == 405 || status == 404) return;
            throw new AssertionError("OpenAPI: " + template.get() + " has no " + method + " (answered " + status + ")");
        }
        JsonNode response = operation.path("responses").path(Integer.toString(status));
        if (response.isMissingNode()) {
            if (status < 400) throw new AssertionError("OpenAPI: " + method + " " + template.get() + " does not list status " + status);
            response = operation.path("responses").path("default");
        }
        if (contentType == null || !contentType.startsWith("application/json") || body.isEmpty()) return;
        JsonNode schema = response.path("content").path("application/json").path("schema");
        if (schema.isMissingNode()) {
            throw new AssertionError("OpenAPI: " + method + " " + template.get() + " " + status + " answered JSON it does not describe");
        }
        String pointer = "#/paths/" + template.get().replace("~", "~0").replace("/", "~1") + "/" + method.toLowerCase(java.util.Locale.ROOT)
                + "/responses/" + (operation.path("responses").has(Integer.toString(status)) ? status : "default")
                + "/content/application~1json/schema";
        validate(pointer, method + " " + path, status, body);
    }

    private static void validate(String pointer, String what, int status, String body) {
        Schema schema = COMPILED.computeIfAbsent(pointer, OpenApiContract::compile);
        List<Error> errors = schema.validate(body, InputFormat.JSON);
        if (!errors.isEmpty()) {
            throw new AssertionError("OpenAPI: the answer to " + what + " (" + status + ") does not match its schema: " + errors + "\n" + body);
        }
    }

    /** The schema at {@code pointer} of the document, with the document's schemas beside it as {@code $defs}. */
    private static Schema compile(String pointer) {
        ObjectNode wrapper = JSON.createObjectNode();
        wrapper.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        ObjectNode defs = ((ObjectNode) DOCUMENT.path("components").path("schemas")).deepCopy();
        wrapper.set("$defs", defs);
        wrapper.put("$ref", pointer.startsWith("#/components/schemas/") ? pointer : "#/$defs/__target");
        if (!pointer.startsWith("#/components/schemas/")) defs.set("__target", DOCUMENT.at(pointer.substring(1)).deepCopy());
        String text = wrapper.toString().replace("#/components/schemas/", "#/$defs/");
        return SCHEMAS.getSchema(text, InputFormat.JSON);
    }

    private static <T> List<T> iterate(Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
