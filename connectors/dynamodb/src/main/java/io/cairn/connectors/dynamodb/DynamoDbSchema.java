package io.cairn.connectors.dynamodb;

import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Attribute and index names of both tables, and their idempotent creation. */
final class DynamoDbSchema {
    static final String TENANT = "tenant";
    static final String TIER = "tier";
    static final String IDLE_SHARD = "idle_shard";
    static final String PARTITION = "partition";
    static final String APPLIED_OFFSET = "applied_offset";
    static final String SCHEMA_VERSION = "schema_version";
    static final String SIZE_BYTES = "size_bytes";
    static final String CREATED_AT_MS = "created_at_ms";
    static final String LAST_WRITE_MS = "last_write_ms";
    static final String LAST_ACCESS_MS = "last_access_ms";
    static final String KEYS = "keys";
    static final String LATEST_SNAPSHOT = "latest_snapshot";
    /** Tenants by (tier#shard, last access); keys only, since the caller only needs the tenant id. */
    static final String IDLE_INDEX = "tier-last-access";

    static final String KEY_ID = "key_id";
    static final String SECRET_SHA256 = "secret_sha256";
    static final String SCOPES = "scopes";
    static final String REVOKED = "revoked";
    static final String KEYS_BY_TENANT_INDEX = "tenant-keys";

    private DynamoDbSchema() {}

    static void createTablesIfMissing(DynamoDbClient dynamo, DynamoDbMetadataConfig config) {
        create(dynamo, CreateTableRequest.builder().tableName(config.tenantsTable())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute(TENANT, ScalarAttributeType.S), attribute(IDLE_SHARD, ScalarAttributeType.S),
                        attribute(LAST_ACCESS_MS, ScalarAttributeType.N))
                .keySchema(key(TENANT, KeyType.HASH))
                .globalSecondaryIndexes(index(IDLE_INDEX, key(IDLE_SHARD, KeyType.HASH), key(LAST_ACCESS_MS, KeyType.RANGE)))
                .build());
        create(dynamo, CreateTableRequest.builder().tableName(config.keysTable())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute(KEY_ID, ScalarAttributeType.S), attribute(TENANT, ScalarAttributeType.S))
                .keySchema(key(KEY_ID, KeyType.HASH))
                .globalSecondaryIndexes(index(KEYS_BY_TENANT_INDEX, key(TENANT, KeyType.HASH)))
                .build());
        for (String table : List.of(config.tenantsTable(), config.keysTable())) {
            dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
        }
    }

    private static void create(DynamoDbClient dynamo, CreateTableRequest request) {
        try {
            dynamo.createTable(request);
        } catch (ResourceInUseException alreadyThere) {
            // Another instance created it first, or it exists from an earlier run: that is the goal.
        }
    }

    private static GlobalSecondaryIndex index(String name, KeySchemaElement... keys) {
        return GlobalSecondaryIndex.builder().indexName(name).keySchema(keys)
                .projection(p -> p.projectionType(ProjectionType.KEYS_ONLY)).build();
    }

    private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
