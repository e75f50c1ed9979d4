package io.cairn.connectors.dynamodb;

import io.cairn.connectors.metadata.AccessReport;
import io.cairn.connectors.metadata.ApiKeyRecord;
import io.cairn.connectors.metadata.IdleCursor;
import io.cairn.connectors.metadata.IdlePage;
import io.cairn.connectors.metadata.IdleTenant;
import io.cairn.connectors.metadata.MetadataStore;
import io.cairn.connectors.metadata.MetadataStoreException;
import io.cairn.connectors.metadata.TenantPage;
import io.cairn.connectors.metadata.TenantQuery;
import io.cairn.connectors.metadata.TenantRecord;
import io.cairn.connectors.metadata.UpsertOutcome;
import io.cairn.connectors.metadata.UsageReport;
import static io.cairn.connectors.dynamodb.DynamoDbItems.longOf;
import static io.cairn.connectors.dynamodb.DynamoDbItems.n;
import static io.cairn.connectors.dynamodb.DynamoDbItems.s;
import static io.cairn.connectors.dynamodb.DynamoDbSchema.*;

import io.cairn.topics.TenantId;
import io.cairn.topics.avro.Tier;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * {@link MetadataStore} on DynamoDB (SDK v2, low-level client: conditions and "return the old item on
 * a failed condition" are what make ordering cheap). The {@link DynamoDbClient} is the caller's and is
 * not closed here. Tables: {@code <prefix>tenants} (key {@code tenant}; index {@code tier-last-access}
 * on {@code idle_shard} + {@code last_access_ms}, index {@code schema-version} on {@code schema_shard} +
 * {@code tenant}), {@code <prefix>keys} (key {@code key_id}; index {@code tenant-keys} on {@code tenant})
 * and {@code <prefix>usage} (key {@code tenant} + {@code item}, see {@link DynamoDbUsage}).
 */
public final class DynamoDbMetadataStore implements MetadataStore {
    private static final String NEWER = "attribute_not_exists(#tenant) OR #applied_offset < :applied_offset";

    private final DynamoDbClient dynamo;
    private final DynamoDbMetadataConfig config;
    private final DynamoDbUsage usage;
    private final DynamoDbListing listing;
    /** This store made the tenants table: it started empty. */
    private volatile boolean tablesMadeHere;

    public DynamoDbMetadataStore(DynamoDbClient dynamo, DynamoDbMetadataConfig config) {
        this.dynamo = dynamo;
        this.config = config;
        this.usage = new DynamoDbUsage(dynamo, config.usageTable());
        this.listing = new DynamoDbListing(dynamo, config);
    }

    /** How long a start keeps trying when DynamoDB does not answer in time (a loaded machine, a node starting up). */
    static final java.time.Duration CREATE_TABLES_FOR = java.time.Duration.ofMinutes(2);

    /**
     * Creates the tables unless they exist; a transient failure (no answer within the client's timeouts) is tried again
     * for {@link #CREATE_TABLES_FOR}: the first call of a start, under load, timed out and ended the process.
     */
    @Override
    public boolean createTablesIfMissing() {
        long started = System.nanoTime();
        long deadline = started + CREATE_TABLES_FOR.toNanos();
        for (long backoffMs = 200; ; backoffMs = Math.min(backoffMs * 2, 5_000)) {
            try {
                boolean made = call("createTables", () -> DynamoDbSchema.createTablesIfMissing(dynamo, config));
                if (made) tablesMadeHere = true;
                return tablesMadeHere;
            } catch (MetadataStoreException e) {
                if (!e.retriable() || System.nanoTime() + backoffMs * 1_000_000 > deadline) throw e;
                // A DynamoDB starting beside this process (./cairn dev's) answers after some seconds: said plainly, warned only later.
                org.slf4j.event.Level level = System.nanoTime() - started < 30_000_000_000L ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.WARN;
                org.slf4j.LoggerFactory.getLogger(DynamoDbMetadataStore.class).atLevel(level).log(
                        "DynamoDB not answering yet ({}); trying again in {} ms", e.getMessage(), backoffMs);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @Override
    public UpsertOutcome upsert(TenantRecord state) {
        return call("upsert", () -> {
            // Usage first: when the tenant item below says STALE, this state's counts are already in.
            usage.setWrites(state.tenant(), state.writes(), state.appliedOffset());
            Map<String, AttributeValue> fields = DynamoDbItems.stateAttributes(state, config.idleShards());
            // First try: state and access time together, if the state is newer and the access not older.
            Map<String, AttributeValue> withAccess = new HashMap<>(fields);
            withAccess.put(LAST_ACCESS_MS, n(state.lastAccessMs()));
            try {
                update(state, withAccess,
                        "attribute_not_exists(#tenant) OR (#applied_offset < :applied_offset AND #last_access_ms <= :last_access_ms)");
                return UpsertOutcome.APPLIED;
            } catch (ConditionalCheckFailedException e) {
                if (e.item() == null || longOf(e.item(), APPLIED_OFFSET) >= state.appliedOffset()) return UpsertOutcome.STALE;
            }
            // The state is newer but a later access was recorded meanwhile: keep that access time.
            try {
                update(state, fields, NEWER);
                return UpsertOutcome.APPLIED;
            } catch (ConditionalCheckFailedException newerArrivedMeanwhile) {
                return UpsertOutcome.STALE;
            }
        });
    }

    private void update(TenantRecord state, Map<String, AttributeValue> fields, String condition) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> sets = new ArrayList<>();
        fields.forEach((name, value) -> {
            names.put("#" + name, name);
            values.put(":" + name, value);
            sets.add("#" + name + " = :" + name);
        });
        names.put("#tenant", TENANT);
        names.put("#applied_offset", APPLIED_OFFSET);
        values.put(":applied_offset", n(state.appliedOffset()));
        if (condition.contains(":last_access_ms")) {
            names.put("#last_access_ms", LAST_ACCESS_MS);
            values.put(":last_access_ms", n(state.lastAccessMs()));
        }
        names.put("#latest_snapshot", LATEST_SNAPSHOT);
        String expression = "SET " + String.join(", ", sets);
        if (state.latestSnapshot() == null) {
            expression += " REMOVE #latest_snapshot";
        } else {
            values.put(":latest_snapshot", s(state.latestSnapshot()));
            expression += ", #latest_snapshot = :latest_snapshot";
        }
        String update = expression;
        dynamo.updateItem(r -> r.tableName(config.tenantsTable()).key(Map.of(TENANT, s(state.tenant())))
                .updateExpression(update).conditionExpression(condition)
                .expressionAttributeNames(names).expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
    }

    @Override
    public boolean recordAccess(String tenant, long accessMs) {
        TenantId.require(tenant);
        return call("recordAccess", () -> {
            try {
                dynamo.updateItem(r -> r.tableName(config.tenantsTable()).key(Map.of(TENANT, s(tenant)))
                        .updateExpression("SET #la = :la")
                        .conditionExpression("attribute_exists(#t) AND #la < :la")
                        .expressionAttributeNames(Map.of("#t", TENANT, "#la", LAST_ACCESS_MS))
                        .expressionAttributeValues(Map.of(":la", n(accessMs))));
                return true;
            } catch (ConditionalCheckFailedException unknownOrNotLater) {
                return false;
            }
        });
    }

    @Override
    public Optional<TenantRecord> get(String tenant) {
        TenantId.require(tenant);
        return call("get", () -> {
            var item = dynamo.getItem(r -> r.tableName(config.tenantsTable()).key(Map.of(TENANT, s(tenant))).consistentRead(true));
            return item.hasItem() && !item.item().isEmpty() ? Optional.of(DynamoDbItems.tenant(item.item())) : Optional.empty();
        });
    }

    @Override
    public boolean delete(String tenant) {
        TenantId.require(tenant);
        return call("delete", () -> {
            // Keys first: a crash in between leaves the tenant visible, and a retry finishes the job.
            for (var page : dynamo.queryPaginator(r -> r.tableName(config.keysTable()).indexName(KEYS_BY_TENANT_INDEX)
                    .keyConditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TENANT))
                    .expressionAttributeValues(Map.of(":t", s(tenant))))) {
                for (var item : page.items()) {
                    dynamo.deleteItem(r -> r.tableName(config.keysTable()).key(Map.of(KEY_ID, item.get(KEY_ID))));
                }
            }
            var deleted = dynamo.deleteItem(r -> r.tableName(config.tenantsTable()).key(Map.of(TENANT, s(tenant)))
                    .returnValues(ReturnValue.ALL_OLD));
            return deleted.hasAttributes() && !deleted.attributes().isEmpty();
        });
    }

    @Override
    public IdlePage idleTenants(Tier tier, long idleBeforeMs, int pageSize, String cursor) {
        if (pageSize < 1) throw new IllegalArgumentException("pageSize must be >= 1");
        IdleCursor at = cursor == null ? IdleCursor.start() : IdleCursor.decode(cursor);
        return call("idleTenants", () -> {
            List<IdleTenant> found = new ArrayList<>();
            int shard = at.shard();
            Map<String, AttributeValue> startKey = startKey(tier, at);
            while (shard < config.idleShards()) {
                QueryResponse page = queryShard(tier, shard, idleBeforeMs, pageSize - found.size(), startKey);
                for (var item : page.items()) found.add(new IdleTenant(item.get(TENANT).s(), longOf(item, LAST_ACCESS_MS)));
                boolean shardDone = !page.hasLastEvaluatedKey() || page.lastEvaluatedKey().isEmpty();
                if (found.size() == pageSize) {
                    if (!shardDone) {
                        IdleTenant last = found.getLast();
                        return new IdlePage(found, new IdleCursor(shard, last.tenant(), last.lastAccessMs()).encode());
                    }
                    return new IdlePage(found, shard + 1 < config.idleShards() ? new IdleCursor(shard + 1, null, 0).encode() : null);
                }
                if (shardDone) {
                    shard++;
                    startKey = null;
                } else {
                    startKey = page.lastEvaluatedKey();
                }
            }
            return new IdlePage(found, null);
        });
    }

    private Map<String, AttributeValue> startKey(Tier tier, IdleCursor at) {
        if (at.lastTenant() == null) return null;
        return Map.of(TENANT, s(at.lastTenant()), IDLE_SHARD, s(DynamoDbItems.idleShard(tier, at.shard())),
                LAST_ACCESS_MS, n(at.lastAccessMs()));
    }

    private QueryResponse queryShard(Tier tier, int shard, long idleBeforeMs, int limit, Map<String, AttributeValue> startKey) {
        return dynamo.query(r -> r.tableName(config.tenantsTable()).indexName(IDLE_INDEX).limit(limit)
                .keyConditionExpression("#shard = :shard AND #la < :before")
                .expressionAttributeNames(Map.of("#shard", IDLE_SHARD, "#la", LAST_ACCESS_MS))
                .expressionAttributeValues(Map.of(":shard", s(DynamoDbItems.idleShard(tier, shard)), ":before", n(idleBeforeMs)))
                .exclusiveStartKey(startKey));
    }

    @Override
    public boolean addUsage(AccessReport report) {
        return call("addUsage", () -> usage.add(report));
    }

    @Override
    public UsageReport usage(String tenant, long life, LocalDate from, LocalDate to) {
        TenantId.require(tenant);
        return call("usage", () -> usage.usage(tenant, life, from, to, get(tenant).map(TenantRecord::sizeBytes).orElse(0L)));
    }

    @Override
    public TenantPage listTenants(TenantQuery query, int limit, String cursor) {
        return call("listTenants", () -> listing.list(query, limit, cursor));
    }

    @Override
    public boolean putKey(ApiKeyRecord key) {
        return call("putKey", () -> {
            try {
                dynamo.putItem(r -> r.tableName(config.keysTable()).item(DynamoDbItems.keyItem(key))
                        .conditionExpression("attribute_not_exists(#k) OR (#r = :false AND #t = :t)")
                        .expressionAttributeNames(Map.of("#k", KEY_ID, "#r", REVOKED, "#t", TENANT))
                        .expressionAttributeValues(Map.of(":false", AttributeValue.fromBool(false), ":t", s(key.tenant()))));
                return true;
            } catch (ConditionalCheckFailedException revokedOrOtherTenant) {
                return false;
            }
        });
    }

    @Override
    public Optional<ApiKeyRecord> getKey(String keyId) {
        return call("getKey", () -> {
            var item = dynamo.getItem(r -> r.tableName(config.keysTable()).key(Map.of(KEY_ID, s(keyId))).consistentRead(true));
            return item.hasItem() && !item.item().isEmpty() ? Optional.of(DynamoDbItems.key(item.item())) : Optional.empty();
        });
    }

    @Override
    public boolean revokeKey(String keyId) {
        return call("revokeKey", () -> {
            try {
                dynamo.updateItem(r -> r.tableName(config.keysTable()).key(Map.of(KEY_ID, s(keyId)))
                        .updateExpression("SET #r = :true").conditionExpression("attribute_exists(#k)")
                        .expressionAttributeNames(Map.of("#r", REVOKED, "#k", KEY_ID))
                        .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true))));
                return true;
            } catch (ConditionalCheckFailedException unknown) {
                return false;
            }
        });
    }

    private static <T> T call(String operation, Supplier<T> body) {
        try {
            return body.get();
        } catch (ConditionalCheckFailedException | IllegalArgumentException e) {
            throw e; // an outcome, or the caller's mistake (a bad cursor or limit): not DynamoDB's failure
        } catch (RuntimeException e) {
            throw DynamoDbFailures.classify(operation, e);
        }
    }
}
