package io.cairn.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * How a command reaches a running Cairn: its HTTP API and the admin token (given, from the environment, or
 * read from {@code ./cairn dev}'s data dir). Shared by the commands that talk to the API (a picocli mixin).
 */
public final class ApiOptions {
    static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--url", defaultValue = "${env:CAIRN_URL:-http://127.0.0.1:8080}", converter = HttpUrl.class,
            description = "Cairn's HTTP API (env CAIRN_URL). Default: ${DEFAULT-VALUE}.")
    URI url;

    /** Reads {@code --url}: an http(s) URL with a host, else picocli's one-line refusal with the reason. */
    static final class HttpUrl implements picocli.CommandLine.ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            try {
                return io.cairn.client.Cairn.httpUrl(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Option(names = "--token", defaultValue = "${env:CAIRN_ADMIN_TOKEN}", description = "Admin token (env CAIRN_ADMIN_TOKEN). Default: <data-dir>/admin-token.")
    String token;

    @Option(names = "--data-dir", defaultValue = "${env:CAIRN_DATA_DIR:-.cairn}", description = "The data dir of ./cairn dev, for its admin token.")
    Path dataDir;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A JSON answer: its status and body (JSON null when empty). */
    record Response(int status, JsonNode body) {
        String errorLine() {
            return errorLine(new String[0]);
        }

        /**
         * As {@link #errorLine()}, in the command's words where the server's message names the request's fields
         * ({@code "as_of"} becomes {@code --as-of}): {@code saidThenOption} holds pairs of the server's text and the
         * command's.
         */
        String errorLine(String... saidThenOption) {
            String message = body.path("error").path("message").asText();
            for (int i = 0; i + 1 < saidThenOption.length; i += 2) message = message.replace(saidThenOption[i], saidThenOption[i + 1]);
            return status + " " + io.cairn.infra.shell.TerminalText.safe(body.path("error").path("code").asText() + ": " + message)
                    + (status == 401 && hint != null ? hint : "");
        }
    }

    /**
     * Said after a 401 when the token came from the data dir's file: a server started with CAIRN_ADMIN_TOKEN leaves
     * that file as it was, with another token in it.
     */
    private static String hint;

    /** Resolves the token; false (after saying why on {@code err}) when there is none. */
    boolean resolveToken(String command, PrintStream err) throws IOException {
        if (token == null) {
            Path file = dataDir.resolve("admin-token");
            if (!Files.exists(file)) {
                err.println("cairn " + command + ": no admin token: pass --token, set CAIRN_ADMIN_TOKEN, or --data-dir of ./cairn dev");
                return false;
            }
            token = Files.readString(file);
            hint = " (the token came from " + file + "; was the server started with CAIRN_ADMIN_TOKEN? pass --token or set it here too)";
        }
        try {
            token = io.cairn.client.Cairn.credential(token);
        } catch (IllegalArgumentException e) {
            err.println("cairn " + command + ": the admin token: " + e.getMessage());
            return false;
        }
        return true;
    }

    /** A request to {@code path} ({@code /v1/...}) with the admin token, under the URL's own path (a proxy's prefix) too. */
    HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(url.resolve(path.startsWith("/") ? path.substring(1) : path)).timeout(timeout)
                .header("Authorization", "Bearer " + token);
    }

    /** Sends a JSON request and reads the JSON answer. */
    Response call(String method, String path, JsonNode body, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path, timeout).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        return read(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    static Response read(HttpResponse<String> r) throws IOException {
        return new Response(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    }
}
