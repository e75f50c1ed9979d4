package io.cairn.infra.fault;

import static org.awaitility.Awaitility.await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent HTTP clients writing a ledger: write {@code seq} is one request of two statements,
 * {@code INSERT INTO ledger} and {@code INSERT INTO pairs}, to tenant {@code ledger-(seq % n)}. A write
 * that gets a 5xx or no answer is sent again with the same {@code Idempotency-Key} until it gets its
 * 200, as a careful client would; so at the end every write is acknowledged, and the log holds some of
 * them several times.
 */
final class LedgerWorkload {
    private final String baseUrl;
    private final List<String> tenants;
    private final Map<String, String> keys;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final AtomicLong nextSeq = new AtomicLong();
    private final Set<Long> acked = ConcurrentHashMap.newKeySet();
    private final AtomicLong retries = new AtomicLong();
    private final List<String> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Thread> clients = new ArrayList<>();
    private volatile boolean stopNew;

    LedgerWorkload(String baseUrl, Map<String, String> keys) {
        this.baseUrl = baseUrl;
        this.keys = keys;
        this.tenants = List.copyOf(keys.keySet());
    }

    LedgerWorkload start(int clientCount) {
        for (int i = 0; i < clientCount; i++) {
            clients.add(Thread.ofVirtual().name("ledger-client-" + i).start(this::runClient));
        }
        return this;
    }

    String tenantOf(long seq) {
        return tenants.get((int) (seq % tenants.size()));
    }

    long ackedCount() {
        return acked.size();
    }

    Set<Long> acked() {
        return Set.copyOf(acked);
    }

    long retries() {
        return retries.get();
    }

    List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    /** Blocks until {@code more} further writes were acknowledged (the applier is making progress). */
    void awaitProgress(long more) {
        long target = ackedCount() + more;
        await("acknowledged writes reaching " + target).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> ackedCount() >= target);
    }

    /** Stops starting new writes and waits until every write begun got its 200. */
    void stopAndDrain() throws InterruptedException {
        stopNew = true;
        for (Thread t : clients) {
            if (!t.join(Duration.ofMinutes(3))) throw new AssertionError("a client still had an unacknowledged write after 3 minutes");
        }
    }

    private void runClient() {
        while (!stopNew) writeUntilAcknowledged(nextSeq.getAndIncrement());
    }

    /** Sends the write until it is acknowledged (or refused with a 4xx), with the same key each time. */
    private void writeUntilAcknowledged(long seq) {
        String tenant = tenantOf(seq);
        String body = "{\"statements\":[{\"sql\":\"INSERT INTO ledger (seq) VALUES (?)\",\"params\":[" + seq + "]},"
                + "{\"sql\":\"INSERT INTO pairs (seq) VALUES (?)\",\"params\":[" + seq + "]}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/tenants/" + tenant + "/execute"))
                .timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + keys.get(tenant))
                .header("Idempotency-Key", "ledger-write-" + seq)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        await().forever().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100)).until(() -> attempt(seq, request));
    }

    /** One attempt: true when the write got its final answer, false to try again. */
    private boolean attempt(long seq, HttpRequest request) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                acked.add(seq);
                return true;
            }
            if (r.statusCode() < 500) {
                unexpected.add("write " + seq + ": " + r.statusCode() + " " + r.body());
                return true;
            }
        } catch (HttpTimeoutException e) {
            // the outcome is unknown: the same key again is the safe retry
        } catch (IOException e) {
            // connection refused or reset: likewise
        }
        retries.incrementAndGet();
        return false;
    }
}
