package io.cairn.topics.seal;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM through the JDK's own provider: a random 12-byte nonce, then ciphertext and 16-byte tag
 * (the layout Tink's {@code AesGcmJce} writes, so either reads the other's). Used for every record
 * instead of Tink's class, whose per-thread random source is rebuilt on every virtual thread (the edge
 * serves each request on a new one): that cost a quarter of the edge's CPU per write (bench/RESULTS.md).
 */
public final class Aes256Gcm {
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private Aes256Gcm() {}

    public static byte[] seal(SecretKeySpec key, byte[] plaintext, byte[] aad) throws GeneralSecurityException {
        byte[] out = new byte[NONCE + plaintext.length + TAG_BITS / 8];
        byte[] nonce = new byte[NONCE];
        StripedRandom.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 0, NONCE);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(aad);
        c.doFinal(plaintext, 0, plaintext.length, out, NONCE);
        return out;
    }

    public static byte[] open(SecretKeySpec key, byte[] sealed, byte[] aad) throws GeneralSecurityException {
        if (sealed.length < NONCE + TAG_BITS / 8) throw new GeneralSecurityException("too short to be sealed");
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOf(sealed, NONCE)));
        c.updateAAD(aad);
        return c.doFinal(sealed, NONCE, sealed.length - NONCE);
    }

    public static SecretKeySpec key(byte[] material) {
        return new SecretKeySpec(material, "AES");
    }
}
