package io.cairn.topics.seal;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Cryptographically strong random values for the hot paths (AES-GCM nonces, command ids, seeds) without
 * one lock for the whole process. {@code new SecureRandom()} and {@code UUID.randomUUID()} on Linux all
 * draw from {@code NativePRNG}'s single instance behind one monitor; the edge takes it on every request
 * (on virtual threads) and the appliers on every sealed outcome, and under load the appliers' stream
 * threads waited up to 829 ms for it (a JFR of the bench's replica scenario, bench/RESULTS.md).
 *
 * <p>Here each call takes one of {@link #STRIPES} independent DRBG instances (the JDK's {@code DRBG},
 * Hash_DRBG with SHA-256, each seeded from the operating system), chosen at random, so two callers
 * rarely meet. Thread-safe.
 */
public final class StripedRandom {
    static final int STRIPES = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private static final SecureRandom[] SOURCES = new SecureRandom[STRIPES];

    static {
        try {
            for (int i = 0; i < STRIPES; i++) SOURCES[i] = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private StripedRandom() {}

    private static SecureRandom source() {
        return SOURCES[ThreadLocalRandom.current().nextInt(STRIPES)];
    }

    public static void nextBytes(byte[] bytes) {
        source().nextBytes(bytes);
    }

    public static long nextLong() {
        return source().nextLong();
    }

    /** A random (version 4) UUID, as {@link UUID#randomUUID()} makes. */
    public static UUID uuid() {
        byte[] b = new byte[16];
        nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40); // version 4
        b[8] = (byte) ((b[8] & 0x3f) | 0x80); // IETF variant
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) msb = (msb << 8) | (b[i] & 0xff);
        for (int i = 8; i < 16; i++) lsb = (lsb << 8) | (b[i] & 0xff);
        return new UUID(msb, lsb);
    }
}
