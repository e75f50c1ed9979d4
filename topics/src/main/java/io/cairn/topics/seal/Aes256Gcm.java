package io.cairn.topics.seal;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM through the JDK's own provider: a random 12-byte nonce, then ciphertext and 16-byte tag
 * (the layout Tink's {@code AesGcmJce} writes, so either reads the other's). Used for every record
 * instead of Tink's class, whose per-thread random source is rebuilt on every virtual thread (the edge
 * serves each request on a new one): that cost a quarter of the edge's CPU per write (bench/RESULTS.md).
 *
 * <p>{@code Cipher} objects are kept in a small shared pool, not made per call: {@code Cipher.getInstance}
 * walks the security providers each time, a third of the cost of opening a small record. A cipher is
 * taken by one caller at a time, initialised afresh for every record (a new nonce for each seal), and
 * put back only when its operation succeeded. Thread-safe.
 */
public final class Aes256Gcm {
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    /** Idle ciphers; a caller that finds none makes one, and one that finds the pool full drops its own. */
    private static final ArrayBlockingQueue<Cipher> IDLE = new ArrayBlockingQueue<>(64);

    private Aes256Gcm() {}

    public static byte[] seal(SecretKeySpec key, byte[] plaintext, byte[] aad) throws GeneralSecurityException {
        byte[] out = new byte[NONCE + plaintext.length + TAG_BITS / 8];
        byte[] nonce = new byte[NONCE];
        StripedRandom.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 0, NONCE);
        Cipher c = take();
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(aad);
        c.doFinal(plaintext, 0, plaintext.length, out, NONCE);
        IDLE.offer(c);
        return out;
    }

    public static byte[] open(SecretKeySpec key, byte[] sealed, byte[] aad) throws GeneralSecurityException {
        if (sealed.length < NONCE + TAG_BITS / 8) throw new GeneralSecurityException("too short to be sealed");
        Cipher c = take();
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOf(sealed, NONCE)));
        c.updateAAD(aad);
        byte[] plain = c.doFinal(sealed, NONCE, sealed.length - NONCE);
        IDLE.offer(c);
        return plain;
    }

    /** An idle cipher, or a new one; whatever state it was left in, the caller's {@code init} replaces it. */
    private static Cipher take() throws GeneralSecurityException {
        Cipher c = IDLE.poll();
        return c != null ? c : Cipher.getInstance(TRANSFORMATION);
    }

    public static SecretKeySpec key(byte[] material) {
        return new SecretKeySpec(material, "AES");
    }
}
