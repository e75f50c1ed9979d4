package io.cairn.edge.auth;

import io.cairn.topics.Sha256;
import io.cairn.topics.seal.StripedRandom;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * API keys: {@code cairn_<key_id>_<secret>}, key id 16 lower-case hex characters, secret 32 random
 * bytes in base64url without padding. Only the SHA-256 of the secret is ever stored or sent to the log;
 * the secret exists once, in the response that issues it. Thread-safe.
 */
public final class ApiKeys {
    private static final String PREFIX = "cairn_";

    private ApiKeys() {}

    /** A freshly generated key: the token for the client and the hash to store. */
    public record NewKey(String keyId, String token, String secretSha256) {
        @Override
        public String toString() {
            return "NewKey[" + keyId + "]"; // never log the token
        }
    }

    /** The two parts of a presented token; {@code secret} stays in memory only while checking it. */
    public record PresentedKey(String keyId, String secret) {
        @Override
        public String toString() {
            return "PresentedKey[" + keyId + "]";
        }
    }

    public static NewKey generate() {
        byte[] id = new byte[8];
        byte[] secret = new byte[32];
        StripedRandom.nextBytes(id);
        StripedRandom.nextBytes(secret);
        String keyId = HexFormat.of().formatHex(id);
        String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new NewKey(keyId, PREFIX + keyId + "_" + secretText, sha256Hex(secretText));
    }

    /** Splits a token into key id and secret; empty when it is not shaped like a Cairn key. */
    public static Optional<PresentedKey> parse(String token) {
        if (token == null || token.length() != PREFIX.length() + 16 + 1 + 43 || !token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String keyId = token.substring(PREFIX.length(), PREFIX.length() + 16);
        if (token.charAt(PREFIX.length() + 16) != '_') return Optional.empty();
        String secret = token.substring(PREFIX.length() + 17);
        if (!isKeyId(keyId) || !isSecret(secret)) return Optional.empty();
        return Optional.of(new PresentedKey(keyId, secret));
    }

    /** True when a key id is shaped like one this class generates. */
    public static boolean isKeyId(String keyId) {
        if (keyId == null || keyId.length() != 16) return false;
        for (int i = 0; i < keyId.length(); i++) {
            char c = keyId.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    /** 43 characters of base64url ({@code [A-Za-z0-9_-]}), checked on every request without a regex. */
    private static boolean isSecret(String secret) {
        if (secret.length() != 43) return false;
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) return false;
        }
        return true;
    }

    /** Lower-case hex SHA-256 of the secret, as stored in {@code KeySpec.secret_sha256}. */
    public static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /** Constant-time check of a presented secret against a stored hash. */
    public static boolean matches(String secret, String storedSha256Hex) {
        return MessageDigest.isEqual(sha256(secret), storedHash(storedSha256Hex));
    }

    /**
     * A stored hash as bytes, to compare with {@link #sha256} of a presented secret; empty (matching no secret) when there
     * is none or it is not hex.
     */
    public static byte[] storedHash(String storedSha256Hex) {
        if (storedSha256Hex == null) return new byte[0];
        try {
            return HexFormat.of().parseHex(storedSha256Hex);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /** Constant-time equality of two secrets of any length (compares their digests). */
    public static boolean secretEquals(String presented, String expected) {
        return MessageDigest.isEqual(sha256(presented), sha256(expected));
    }

    /** SHA-256 of a secret's UTF-8 bytes: compare two with {@link MessageDigest#isEqual} (constant time). */
    public static byte[] sha256(String s) {
        return Sha256.of(s);
    }
}
