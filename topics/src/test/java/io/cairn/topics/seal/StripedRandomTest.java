package io.cairn.topics.seal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Values from the striped sources are well-formed and do not repeat, from many threads at once. */
class StripedRandomTest {
    @Test
    void uuidsAreVersionFourIetfVariantAndDistinct() {
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            UUID u = StripedRandom.uuid();
            assertThat(u.version()).isEqualTo(4);
            assertThat(u.variant()).isEqualTo(2);
            assertThat(UUID.fromString(u.toString())).isEqualTo(u);
            assertThat(seen.add(u)).isTrue();
        }
    }

    @Test
    void noncesFromManyVirtualThreadsNeverRepeat() throws Exception {
        Set<String> nonces = ConcurrentHashMap.newKeySet();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 64; t++) {
                threads.submit(() -> {
                    for (int i = 0; i < 1_000; i++) {
                        byte[] n = new byte[12];
                        StripedRandom.nextBytes(n);
                        nonces.add(java.util.HexFormat.of().formatHex(n));
                    }
                });
            }
        }
        assertThat(nonces).hasSize(64_000);
        assertThat(StripedRandom.STRIPES).isGreaterThanOrEqualTo(8);
    }
}
