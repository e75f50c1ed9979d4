package io.cairn.edge.directory;

import static io.cairn.edge.TestStates.key;
import static io.cairn.edge.TestStates.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.edge.Waiter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TenantDirectoryTest {
    private final TenantDirectory dir = new TenantDirectory();

    @Test
    void awaitAppliedWakesWhenTheStateReachesTheOffset() throws Exception {
        dir.apply("acme", state("acme", 0, 1, List.of()));
        var waiting = Waiter.start(() -> dir.awaitApplied("acme", 5, Duration.ofSeconds(5))).blocked().future();
        dir.apply("acme", state("acme", 0, 4, List.of()));
        assertThat(waiting).isNotDone();
        dir.apply("acme", state("acme", 0, 5, List.of()));
        assertThat(waiting.get(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void awaitTimesOutWhenNothingArrives() throws Exception {
        assertThat(dir.awaitApplied("acme", 1, Duration.ofMillis(50))).isFalse();
        assertThat(dir.awaitAbsent("nobody", Duration.ofMillis(1))).isTrue();
    }

    @Test
    void tombstoneDeletesTheTenantItsKeysAndWakesAbsentWaiters() throws Exception {
        List<String> deleted = new CopyOnWriteArrayList<>();
        dir.onDeleted(deleted::add);
        dir.apply("acme", state("acme", 0, 1, List.of(key("00112233aabbccdd", "ab", List.of("read"), false))));
        assertThat(dir.findKey("00112233aabbccdd")).isPresent();
        var gone = Waiter.start(() -> dir.awaitAbsent("acme", Duration.ofSeconds(5))).blocked().future();
        dir.apply("acme", null);
        assertThat(gone.get(2, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.tenant("acme")).isEmpty();
        assertThat(dir.findKey("00112233aabbccdd")).isEmpty();
        assertThat(deleted).containsExactly("acme");
    }

    @Test
    void aDeletionListenerThatFailsSkipsNoOther() {
        List<String> later = new CopyOnWriteArrayList<>();
        dir.onDeleted(t -> {
            throw new IllegalStateException("cannot remove a copy");
        });
        dir.onDeleted(later::add);
        dir.apply("acme", state("acme", 0, 1, List.of()));
        dir.apply("acme", null);
        assertThat(later).containsExactly("acme");
        assertThat(dir.tenant("acme")).isEmpty();
    }

    @Test
    void anOlderStateNeverReplacesANewerOne() {
        dir.apply("acme", state("acme", 0, 9, List.of()));
        dir.apply("acme", state("acme", 0, 3, List.of()));
        assertThat(dir.tenant("acme").orElseThrow().getAppliedOffset()).isEqualTo(9);
    }

    @Test
    void aKeyHeldAcrossStateChangesIsNeverBrieflyUnknown() throws Exception {
        TenantDirectory dir = new TenantDirectory();
        var k = key("k1", "00".repeat(32), List.of("read"), false);
        dir.apply("acme", state("acme", 0, 1, List.of(k)));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong misses = new java.util.concurrent.atomic.AtomicLong();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) if (dir.findKey("k1").isEmpty()) misses.incrementAndGet();
        });
        for (long offset = 2; offset < 200_000; offset++) dir.apply("acme", state("acme", 0, offset, List.of(k)));
        stop.set(true);
        reader.join();
        assertThat(misses.get()).as("lookups that saw the key missing while states were applied").isZero();
    }
}
