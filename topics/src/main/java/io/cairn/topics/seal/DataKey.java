package io.cairn.topics.seal;

import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;

/**
 * A tenant's data key, unwrapped: its id in the key vault and 32 bytes of AES key material. Seals
 * records (AES-256-GCM, a random 12-byte nonce per record, the JDK's provider) and snapshots (Tink's AES-GCM-HKDF streaming
 * AEAD, 64 KiB segments, so a 100 MB snapshot never sits in memory, and opening a small one does not allocate
 * megabytes; objects sealed before with 1 MiB segments still open). Held only in memory, for a bounded
 * time (the keyring's cache); never logged ({@link #toString} names the id only), never written in clear.
 */
public final class DataKey {
    /** Bytes of key material: AES-256. */
    public static final int BYTES = 32;
    /**
     * Segment size of {@link #streaming}. Each stream allocates a plaintext and a ciphertext segment: 1 MiB
     * segments cost a thaw of a 60 KB snapshot 2 MiB of allocation, most of a thaw storm's garbage.
     */
    private static final int SEGMENT_BYTES = 64 << 10;
    /** Segment size objects were sealed with before: {@link #streamingWith1MiBSegments}. */
    private static final int SEGMENT_BYTES_BEFORE = 1 << 20;

    private final String id;
    private final SecretKeySpec aead;
    private final StreamingAead streaming;
    private final StreamingAead streamingBefore;

    public DataKey(String id, byte[] material) {
        if (material.length != BYTES) throw new IllegalArgumentException("a data key has " + BYTES + " bytes, not " + material.length);
        this.id = id;
        try {
            this.aead = Aes256Gcm.key(material);
            this.streaming = new AesGcmHkdfStreaming(material, "HmacSha256", BYTES, SEGMENT_BYTES, 0);
            this.streamingBefore = new AesGcmHkdfStreaming(material, "HmacSha256", BYTES, SEGMENT_BYTES_BEFORE, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        } finally {
            Arrays.fill(material, (byte) 0);
        }
    }

    /** The key's id in the vault: records and snapshots name it, so a reader knows which key opens them. */
    public String id() {
        return id;
    }

    /** Nonce, ciphertext and tag of {@code plaintext}, bound to {@code associatedData}. */
    public byte[] seal(byte[] plaintext, byte[] associatedData) {
        try {
            return Aes256Gcm.seal(aead, plaintext, associatedData);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing with data key " + id + " failed", e);
        }
    }

    /** The plaintext of {@link #seal}'s output; throws {@link SealBrokenException} when it was altered or bound to other data. */
    public byte[] open(byte[] sealed, byte[] associatedData) {
        try {
            return Aes256Gcm.open(aead, sealed, associatedData);
        } catch (GeneralSecurityException e) {
            throw new SealBrokenException("a payload sealed with data key " + id + " does not verify: altered, or moved from another record");
        }
    }

    /** The streaming AEAD for large objects (snapshots, imports) sealed with this key: 64 KiB segments. */
    public StreamingAead streaming() {
        return streaming;
    }

    /**
     * The streaming AEAD of objects sealed with 1 MiB segments (before 64 KiB ones): to open those. The
     * segment size is not in Tink's ciphertext, so the object's header says which one sealed it.
     */
    public StreamingAead streamingWith1MiBSegments() {
        return streamingBefore;
    }

    @Override
    public String toString() {
        return "DataKey[" + id + "]";
    }
}
