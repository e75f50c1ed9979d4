package io.cairn.connectors.keys;

/**
 * The key encryption key (KEK) of envelope encryption: wraps and unwraps tenants' data keys; the data
 * keys then seal the data. A local key file in {@code ./cairn dev} ({@link LocalKeyEncryptionKey}), AWS
 * KMS in {@code serve}.
 *
 * <p>Contract: {@code unwrap(tenant, wrap(tenant, m)) == m}; a wrap is bound to its tenant (unwrapping
 * it for another tenant fails); {@link #rotate} makes new wraps use a new version while every earlier
 * version still unwraps what it wrapped; failures to reach the KEK are
 * {@link io.cairn.topics.seal.KeyUnavailableException}. Thread-safe.
 */
public interface KeyEncryptionKey {
    /** {@code material} wrapped for {@code tenant} by the current version; {@code material} is not kept. */
    Wrapped wrap(String tenant, byte[] material);

    /** The material {@link #wrap} wrapped, for the same tenant. */
    byte[] unwrap(String tenant, String kekVersion, byte[] wrapped);

    /** The version new wraps use. */
    String currentVersion();

    /** Makes a new version current; earlier versions keep unwrapping. Returns the new version. */
    String rotate();

    /** A wrap: the version that made it and the bytes. */
    record Wrapped(String kekVersion, byte[] bytes) {}
}
