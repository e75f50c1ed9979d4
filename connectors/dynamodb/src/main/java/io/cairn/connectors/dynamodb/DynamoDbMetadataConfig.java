package io.cairn.connectors.dynamodb;

import java.util.Objects;

/**
 * Settings of {@link DynamoDbMetadataStore}.
 *
 * @param tablePrefix prepended to {@code tenants}, {@code keys} and {@code usage} (default {@code cairn-},
 *                    giving {@code cairn-tenants}, {@code cairn-keys}, {@code cairn-usage}); lets
 *                    environments share an account
 * @param idleShards  how many partition-key values the idle index spreads each tier over, and the
 *                    schema index each version (default 8). One value per tier would put every
 *                    tenant's access updates on one index partition, which caps write throughput;
 *                    queries read each shard in turn.
 *                    Changing it requires rewriting every tenant item.
 */
public record DynamoDbMetadataConfig(String tablePrefix, int idleShards) {
    public DynamoDbMetadataConfig {
        Objects.requireNonNull(tablePrefix, "tablePrefix");
        if (!tablePrefix.matches("[a-zA-Z0-9_.-]*")) throw new IllegalArgumentException("tablePrefix may hold only [a-zA-Z0-9_.-]");
        if (idleShards < 1 || idleShards > 256) throw new IllegalArgumentException("idleShards must be 1..256");
    }

    public static DynamoDbMetadataConfig defaults() {
        return new DynamoDbMetadataConfig("cairn-", 8);
    }

    public String tenantsTable() {
        return tablePrefix + "tenants";
    }

    public String keysTable() {
        return tablePrefix + "keys";
    }

    public String usageTable() {
        return tablePrefix + "usage";
    }
}
