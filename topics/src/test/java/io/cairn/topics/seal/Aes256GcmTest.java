package io.cairn.topics.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.AEADBadTagException;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The pooled ciphers: shared by many threads and keys, each record sealed and opened as if by a cipher of its own. */
class Aes256GcmTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void manyThreadsSealingAndOpeningUnderManyKeysEachGetTheirOwnPlaintextBack() throws Exception {
        List<SecretKeySpec> keys = new ArrayList<>();
        for (int i = 0; i < 16; i++) keys.add(Aes256Gcm.key(bytes(32)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    int checked = 0;
                    for (int i = 0; i < 2_000; i++) {
                        SecretKeySpec key = keys.get((thread * 7 + i) % keys.size());
                        byte[] aad = ("tenant-" + thread + "/" + i).getBytes(StandardCharsets.UTF_8);
                        byte[] plain = ("row " + thread + " " + i + " " + "x".repeat(i % 300)).getBytes(StandardCharsets.UTF_8);
                        byte[] sealed = Aes256Gcm.seal(key, plain, aad);
                        assertThat(Aes256Gcm.open(key, sealed, aad)).isEqualTo(plain);
                        SecretKeySpec other = keys.get((thread * 7 + i + 1) % keys.size());
                        assertThatThrownBy(() -> Aes256Gcm.open(other, sealed, aad)).isInstanceOf(AEADBadTagException.class);
                        checked++;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : done) assertThat(f.get()).isEqualTo(2_000);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theSamePlaintextSealedTwiceUnderOneKeyGetsTwoNoncesAndBothOpen() throws GeneralSecurityException {
        SecretKeySpec key = Aes256Gcm.key(bytes(32));
        byte[] plain = "same".getBytes(StandardCharsets.UTF_8);
        byte[] aad = "a".getBytes(StandardCharsets.UTF_8);
        byte[] first = Aes256Gcm.seal(key, plain, aad);
        byte[] second = Aes256Gcm.seal(key, plain, aad);
        assertThat(java.util.Arrays.copyOf(first, 12)).isNotEqualTo(java.util.Arrays.copyOf(second, 12));
        assertThat(Aes256Gcm.open(key, first, aad)).isEqualTo(plain);
        assertThat(Aes256Gcm.open(key, second, aad)).isEqualTo(plain);
    }

    @Test
    void anOpenThatFailsLeavesTheNextSealsAndOpensSound() throws GeneralSecurityException {
        SecretKeySpec key = Aes256Gcm.key(bytes(32));
        byte[] aad = "a".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 200; i++) {
            byte[] sealed = Aes256Gcm.seal(key, ("v" + i).getBytes(StandardCharsets.UTF_8), aad);
            byte[] tampered = sealed.clone();
            tampered[tampered.length - 1] ^= 1;
            assertThatThrownBy(() -> Aes256Gcm.open(key, tampered, aad)).isInstanceOf(AEADBadTagException.class);
            assertThatThrownBy(() -> Aes256Gcm.open(key, sealed, "b".getBytes(StandardCharsets.UTF_8))).isInstanceOf(AEADBadTagException.class);
            assertThat(Aes256Gcm.open(key, sealed, aad)).isEqualTo(("v" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
