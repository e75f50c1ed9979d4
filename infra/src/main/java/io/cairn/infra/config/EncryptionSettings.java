package io.cairn.infra.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cairn.connectors.keys.LocalDataKeyVault;
import io.cairn.connectors.keys.LocalKeyEncryptionKey;
import io.cairn.connectors.keys.TenantKeys;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Per-tenant encryption, in {@code cairn.yaml} (docs/security.md): every node of a deployment must see
 * the same key file and vault directory (e.g. on the EFS hot volume, with a root-only access point).
 *
 * @param keyFile the key encryption key file (created with a first version when missing)
 * @param vaultDir where tenants' wrapped data keys live; destroying one erases what it sealed
 */
public record EncryptionSettings(@JsonProperty("key_file") String keyFile, @JsonProperty("vault_dir") String vaultDir) {
    public EncryptionSettings {
        Objects.requireNonNull(keyFile, "encryption.key_file is required");
        Objects.requireNonNull(vaultDir, "encryption.vault_dir is required");
    }

    /** The tenants' keys these settings name. */
    public TenantKeys open(MeterRegistry registry) {
        return keys(Path.of(keyFile), Path.of(vaultDir), registry);
    }

    /** Tenants' keys from a local key file and a vault directory. */
    public static TenantKeys keys(Path keyFile, Path vaultDir, MeterRegistry registry) {
        return new TenantKeys(new LocalDataKeyVault(vaultDir), LocalKeyEncryptionKey.open(keyFile), registry);
    }
}
