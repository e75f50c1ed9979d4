package io.cairn.infra.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A client of an edge by its port, as the tests of several nodes and regions call it: raw answers, no retries. */
final class EdgeHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** An answer: its status and its body parsed (JSON null when empty or not JSON). */
    record Answer(int status, JsonNode body) {
        String text(String field) {
            return body.path(field).asText();
        }

        String errorCode() {
            return body.path("error").path("code").asText();
        }
    }

    Answer post(int port, String path, String token, String body) throws IOException, InterruptedException {
        return post(port, path, token, body, Map.of());
    }

    Answer post(int port, String path, String token, String body, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(40)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        headers.forEach(b::header);
        return answer(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    Answer get(int port, String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(40)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return answer(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static Answer answer(HttpResponse<String> r) {
        JsonNode body;
        try {
            body = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            body = JSON.nullNode();
        }
        return new Answer(r.statusCode(), body);
    }
}
