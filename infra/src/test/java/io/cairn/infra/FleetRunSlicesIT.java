package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.infra.TestStack.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wave larger than one slice goes to the tenants' logs in slices paced by the applier (the edge's
 * {@code RunPacer}: 250 records a slice), on a real broker and applier: every tenant of the wave gets its record
 * and applies it, the run counts them all sent, and another tenant writing all along has every acknowledged
 * write applied once, in order.
 */
class FleetRunSlicesIT {
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
    void aWaveOfSeveralSlicesReachesEveryTenantWhileAnotherTenantsWritesGoOn() throws Exception {
        assertThat(stack.call("PUT", "/v1/migrations/slices/versions/1", ADMIN, "{\"sql\":\"CREATE TABLE items (id INTEGER PRIMARY KEY)\"}").status())
                .isEqualTo(201);
        List<String> tenants = new ArrayList<>();
        for (int i = 0; i < 640; i++) tenants.add("slice-" + i); // two full slices and a part
        try (ExecutorService creators = Executors.newFixedThreadPool(8)) {
            List<Future<String>> made = new ArrayList<>();
            for (String t : tenants) made.add(creators.submit(() -> stack.createTenant(t)));
            for (Future<String> f : made) f.get();
        }
        String writerKey = stack.createTenant("slice-writer");
        stack.post("/v1/tenants/slice-writer/execute", writerKey, "{\"sql\":\"CREATE TABLE log (n INTEGER)\"}");
        AtomicBoolean stop = new AtomicBoolean();
        List<Integer> acknowledged = Collections.synchronizedList(new ArrayList<>());
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int n = 0; !stop.get(); n++) {
                try {
                    if (stack.post("/v1/tenants/slice-writer/execute", writerKey, "{\"sql\":\"INSERT INTO log VALUES (" + n + ")\"}").status() == 200) {
                        acknowledged.add(n);
                    }
                } catch (Exception e) {
                    return;
                }
            }
        });

        Reply run = stack.post("/v1/migrations/slices/runs", ADMIN, "{\"tenants\":" + TestStack.json(tenants) + "}");
        assertThat(run.status()).as(run.body().toString()).isEqualTo(202);
        assertThat(run.body().path("sent").asInt()).as("the answer comes once the whole first wave is in the logs").isEqualTo(640);
        String path = "/v1/migrations/slices/runs/" + run.text("run_id");
        JsonNode status = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> stack.get(path, ADMIN).body(), s -> s.path("done").asBoolean());
        stop.set(true);
        writer.join();
        assertThat(status.path("applied").asInt()).as(status.toString()).isEqualTo(640);
        assertThat(status.path("failed").asInt()).isZero();
        assertThat(status.path("unsent").asInt()).isZero();
        for (String t : List.of("slice-0", "slice-249", "slice-250", "slice-499", "slice-500", "slice-639")) {
            assertThat(stack.get("/v1/tenants/" + t, ADMIN).body().path("migrations").path("slices").path("version").asInt()).as(t).isEqualTo(1);
        }

        assertThat(acknowledged).as("the other tenant wrote during the run").isNotEmpty();
        Reply logged = stack.post("/v1/tenants/slice-writer/query", writerKey, "{\"sql\":\"SELECT n FROM log ORDER BY rowid\"}");
        List<Integer> stored = new ArrayList<>();
        logged.body().path("rows").forEach(r -> stored.add(r.get(0).asInt()));
        assertThat(stored).as("every acknowledged write once, in order").containsSubsequence(acknowledged).doesNotHaveDuplicates();
    }
}
