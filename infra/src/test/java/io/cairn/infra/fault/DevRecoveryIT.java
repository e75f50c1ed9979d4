package io.cairn.infra.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery in seconds: the whole of {@code ./cairn dev} (broker, applier, edge in one JVM) is SIGKILLed
 * and started again on its data dir, and writes apply again about as soon as after a clean restart of the
 * same data dir: nothing in the recovery waits out a session. What makes it quick: the dev applier's static
 * group membership (the restarted member takes its partitions back at once, where a new member would wait
 * out the dead one's 45 s session) and a 2 s broker session (the controller lets the restarted broker
 * register without waiting out the dead one's 9 s default). The bound is relative because the start itself
 * is the JVM's and the embedded servers' (CPU-bound: 13-18 s on the 2-core CI host, 6 s in an earlier run on
 * a quieter machine), which this test does not time.
 */
@Tag("fault")
class DevRecoveryIT {
    private static final String ADMIN = "dev-recovery-admin-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir Path data;

    /** What an unclean stop may add to a restart: a broker session (2 s), log recovery, and this host's noise. */
    private static final double UNCLEAN_ALLOWANCE_SECONDS = 6;

    @Test
    void writesApplyAgainAfterSigkillAsSoonAsAfterACleanRestart() throws Exception {
        int port = freePort();
        Process dev = start(port);
        String key;
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> status(port, "GET", "/health", null, null) == 200);
            JsonNode created = JSON.readTree(send(port, "POST", "/v1/tenants", ADMIN, "{\"tenant\":\"acme\"}").body());
            key = created.path("api_key").asText();
            assertThat(status(port, "POST", "/v1/tenants/acme/execute", key, "{\"sql\":\"CREATE TABLE t (x)\"}")).isEqualTo(200);
            assertThat(status(port, "POST", "/v1/tenants/acme/execute", key, "{\"sql\":\"INSERT INTO t VALUES (1)\"}")).isEqualTo(200);

            // A second ./cairn dev on the same data dir, every port moved off the first's: refused before it touches anything.
            String ports = java.nio.file.Files.readString(data.resolve("ports.properties"));
            Process second = start(freePort(), "second.log", "--kafka-port", Integer.toString(freePort()),
                    "--kafka-controller-port", Integer.toString(freePort()), "--s3-port", Integer.toString(freePort()),
                    "--dynamodb-port", Integer.toString(freePort()));
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("the second start ends at once").isTrue();
            assertThat(second.exitValue()).isEqualTo(2);
            assertThat(java.nio.file.Files.readString(data.resolve("second.log"))).contains("is using the data dir");
            assertThat(java.nio.file.Files.readString(data.resolve("ports.properties"))).as("the first's kept ports").isEqualTo(ports);
            assertThat(status(port, "POST", "/v1/tenants/acme/query", key, "{\"sql\":\"SELECT 1\"}")).isEqualTo(200);
        } finally {
            dev.destroy(); // SIGTERM: the shutdown hook closes everything cleanly
            dev.waitFor(60, TimeUnit.SECONDS);
        }

        Process clean = start(port);
        double cleanSeconds;
        String runId;
        try {
            cleanSeconds = secondsToAnAppliedWrite(port, key, 2);
            // A fleet run killed with its edge, one wave sent: after the restart an edge takes it up (it said "running" for good).
            for (int i = 0; i < 5; i++) assertThat(status(port, "POST", "/v1/tenants", ADMIN, "{\"tenant\":\"run-" + i + "\"}")).isEqualTo(201);
            assertThat(status(port, "PUT", "/v1/migrations/rec/versions/1", ADMIN, "{\"sql\":\"CREATE TABLE m (x)\"}")).isEqualTo(201);
            HttpResponse<String> run = send(port, "POST", "/v1/migrations/rec/runs", ADMIN, "{\"tenants\":\"all\",\"canary\":1,\"wave_size\":1}");
            assertThat(run.statusCode()).as(run.body()).isEqualTo(202);
            runId = JSON.readTree(run.body()).path("run_id").asText();
        } finally {
            clean.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook, no clean close
        }

        Process again = start(port);
        try {
            double killedSeconds = secondsToAnAppliedWrite(port, key, 3);
            System.out.printf("DevRecoveryIT: a write applied %.1f s after ./cairn dev was started again after SIGKILL"
                    + " (%.1f s after a clean stop)%n", killedSeconds, cleanSeconds);
            assertThat(killedSeconds).as("seconds from a restart after SIGKILL to an applied write, beside %.1f s after a clean stop",
                    cleanSeconds).isLessThan(cleanSeconds + UNCLEAN_ALLOWANCE_SECONDS);
            HttpResponse<String> rows = send(port, "POST", "/v1/tenants/acme/query", key, "{\"sql\":\"SELECT x FROM t ORDER BY x\"}");
            assertThat(JSON.readTree(rows.body()).path("rows").toString()).as("every acknowledged write, once").isEqualTo("[[1],[2],[3]]");
            JsonNode done = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(
                    () -> JSON.readTree(send(port, "GET", "/v1/migrations/rec/runs/" + runId, ADMIN, null).body()), s -> s.path("done").asBoolean());
            assertThat(done.path("applied").asInt()).as(done.toString()).isEqualTo(6);
        } finally {
            again.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Started just now: retries one INSERT of {@code x} until it applies, and returns the seconds that took. The
     * retries share an Idempotency-Key, as a client's should: one that timed out may still be applied.
     */
    private double secondsToAnAppliedWrite(int port, String key, int x) {
        long started = System.nanoTime();
        HttpRequest write = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/tenants/acme/execute"))
                .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + key).header("Idempotency-Key", "dev-recovery-" + x)
                .POST(HttpRequest.BodyPublishers.ofString("{\"sql\":\"INSERT INTO t VALUES (" + x + ")\"}")).build();
        await().atMost(Duration.ofMinutes(2)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100)).until(() -> {
            try {
                return http.send(write, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false; // not listening yet, or timed out
            }
        });
        return (System.nanoTime() - started) / 1e9;
    }

    private Process start(int port) throws IOException {
        return start(port, "dev.log");
    }

    /** {@code ./cairn dev} on the test's data dir, its output appended to {@code log} there. */
    private Process start(int port, String log, String... more) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx768m", "-Xss16m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.cairn.infra.cli.CairnCommand", "dev",
                "--port", Integer.toString(port), "--data-dir", data.toString()));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("CAIRN_ADMIN_TOKEN", ADMIN);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve(log).toFile()));
        return pb.start();
    }

    private int status(int port, String method, String path, String token, String body) {
        try {
            return send(port, method, path, token, body).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpResponse<String> send(int port, String method, String path, String token, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
