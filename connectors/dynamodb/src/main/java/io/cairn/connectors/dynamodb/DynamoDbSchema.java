package io.cairn.connectors.dynamodb;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexUpdate;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
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
    static final String SCHEMA_SHARD = "schema_shard";
    static final String STATEMENTS = "statements";
    static final String ROWS_WRITTEN = "rows_written";
    static final String WRITE_DAYS = "write_days";
    static final String WRITES_LIFE = "writes_life";
    static final String DAY = "day";
    /** Tenants by (tier#shard, last access); keys only, since the caller only needs the tenant id. */
    static final String IDLE_INDEX = "tier-last-access";
    /** Tenants by (v<schema version>#shard, tenant); keys only. */
    static final String SCHEMA_INDEX = "schema-version";

    /** The usage table: one item per tenant and (day and source) or (total and source). */
    static final String USAGE_ITEM = "item";
    static final String STAMP = "stamp";
    static final String READS = "reads";
    static final String WRITES = "writes";
    static final String ROWS_READ = "rows_read";
    static final String BYTES_IN = "bytes_in";
    static final String BYTES_OUT = "bytes_out";

    static final String KEY_ID = "key_id";
    static final String SECRET_SHA256 = "secret_sha256";
    static final String SCOPES = "scopes";
    static final String REVOKED = "revoked";
    static final String KEYS_BY_TENANT_INDEX = "tenant-keys";

    private DynamoDbSchema() {}

    /** Returns true when the tenants table was made now (none was there). */
    static boolean createTablesIfMissing(DynamoDbClient dynamo, DynamoDbMetadataConfig config) {
        boolean made = false;
        for (CreateTableRequest table : tables(config)) {
            boolean created = create(dynamo, table);
            if (table.tableName().equals(config.tenantsTable())) made = created;
        }
        for (String table : List.of(config.tenantsTable(), config.keysTable(), config.usageTable())) {
            dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
        }
        addSchemaIndexIfMissing(dynamo, config);
        return made;
    }

    /** The three tables with their keys and indexes: what {@link #createTablesIfMissing} makes, and the CDK app declares. */
    static List<CreateTableRequest> tables(DynamoDbMetadataConfig config) {
        return List.of(
                CreateTableRequest.builder().tableName(config.tenantsTable())
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(tenantAttributes())
                        .keySchema(key(TENANT, KeyType.HASH))
                        .globalSecondaryIndexes(index(IDLE_INDEX, key(IDLE_SHARD, KeyType.HASH), key(LAST_ACCESS_MS, KeyType.RANGE)),
                                schemaIndex())
                        .build(),
                CreateTableRequest.builder().tableName(config.keysTable())
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(attribute(KEY_ID, ScalarAttributeType.S), attribute(TENANT, ScalarAttributeType.S))
                        .keySchema(key(KEY_ID, KeyType.HASH))
                        .globalSecondaryIndexes(index(KEYS_BY_TENANT_INDEX, key(TENANT, KeyType.HASH)))
                        .build(),
                CreateTableRequest.builder().tableName(config.usageTable())
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(attribute(TENANT, ScalarAttributeType.S), attribute(USAGE_ITEM, ScalarAttributeType.S))
                        .keySchema(key(TENANT, KeyType.HASH), key(USAGE_ITEM, KeyType.RANGE))
                        .build());
    }

    private static List<AttributeDefinition> tenantAttributes() {
        return List.of(attribute(TENANT, ScalarAttributeType.S), attribute(IDLE_SHARD, ScalarAttributeType.S),
                attribute(LAST_ACCESS_MS, ScalarAttributeType.N), attribute(SCHEMA_SHARD, ScalarAttributeType.S));
    }

    private static GlobalSecondaryIndex schemaIndex() {
        return index(SCHEMA_INDEX, key(SCHEMA_SHARD, KeyType.HASH), key(TENANT, KeyType.RANGE));
    }

    /** A tenants table made by an earlier version lacks the schema-version index: add it and wait until it is usable. */
    private static void addSchemaIndexIfMissing(DynamoDbClient dynamo, DynamoDbMetadataConfig config) {
        var table = dynamo.describeTable(r -> r.tableName(config.tenantsTable())).table();
        if (table.hasGlobalSecondaryIndexes() && table.globalSecondaryIndexes().stream().anyMatch(i -> i.indexName().equals(SCHEMA_INDEX))) {
            return;
        }
        GlobalSecondaryIndex index = schemaIndex();
        try {
            GlobalSecondaryIndexUpdate add = GlobalSecondaryIndexUpdate.builder().create(c -> c.indexName(index.indexName())
                    .keySchema(index.keySchema()).projection(index.projection())).build();
            dynamo.updateTable(r -> r.tableName(config.tenantsTable()).attributeDefinitions(tenantAttributes())
                    .globalSecondaryIndexUpdates(add));
        } catch (ResourceInUseException anotherInstanceIsAddingIt) {
            // Wait for it below like for our own.
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            var now = dynamo.describeTable(r -> r.tableName(config.tenantsTable())).table().globalSecondaryIndexes();
            if (now.stream().anyMatch(i -> i.indexName().equals(SCHEMA_INDEX) && i.indexStatus() == IndexStatus.ACTIVE)) return;
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
        }
        throw new IllegalStateException("the " + SCHEMA_INDEX + " index of " + config.tenantsTable() + " is not active after 10 minutes");
    }

    private static boolean create(DynamoDbClient dynamo, CreateTableRequest request) {
        try {
            dynamo.createTable(request);
            return true;
        } catch (ResourceInUseException alreadyThere) {
            // Another instance created it first, or it exists from an earlier run: that is the goal.
            return false;
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
