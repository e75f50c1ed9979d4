package io.cairn.connectors.dynamodb;

import static io.cairn.connectors.dynamodb.DynamoDbItems.longOf;
import static io.cairn.connectors.dynamodb.DynamoDbItems.n;
import static io.cairn.connectors.dynamodb.DynamoDbItems.s;
import static io.cairn.connectors.dynamodb.DynamoDbSchema.*;

import io.cairn.connectors.metadata.TenantPage;
import io.cairn.connectors.metadata.TenantQuery;
import io.cairn.connectors.metadata.TenantRecord;
import io.cairn.topics.avro.Tier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Fleet listing through the indexes, never a scan. With an idleness bound, or no schema version, it
 * walks the tier/last-access index over the asked tier's shards (both tiers when none is asked, with
 * no upper bound when no idleness is asked); with a schema version and no idleness bound, the
 * schema-version index over that version's shards. The index gives tenant ids; their items are then
 * read whole (BatchGetItem, consistent) and checked against every filter, so a tenant that changed
 * since the index saw it is left out rather than shown wrong: a page can be short.
 */
final class DynamoDbListing {
    private static final List<Tier> TIERS = List.of(Tier.HOT, Tier.COLD);
    /** Index queries one call may make before it returns what it has (bounds a call's time on sparse filters). */
    private static final int MAX_QUERIES_PER_CALL = 16;

    private final DynamoDbClient dynamo;
    private final DynamoDbMetadataConfig config;

    DynamoDbListing(DynamoDbClient dynamo, DynamoDbMetadataConfig config) {
        this.dynamo = dynamo;
        this.config = config;
    }

    TenantPage list(TenantQuery query, int limit, String cursor) {
        if (limit < 1 || limit > 1_000) throw new IllegalArgumentException("limit must be 1..1000");
        char index = query.idleBeforeMs() == null && query.schemaVersion() != null ? 's' : 'i';
        List<String> hashKeys = hashKeys(query, index);
        ListCursor at = cursor == null ? ListCursor.start(index, query.shape()) : ListCursor.decode(cursor, index, query.shape());
        List<TenantRecord> found = new ArrayList<>();
        for (int queries = 0; queries < MAX_QUERIES_PER_CALL && at.position() < hashKeys.size() && found.size() < limit; queries++) {
            if (index == 'i' && at.lastTenant() != null && query.idleBeforeMs() != null && at.lastAccessMs() >= query.idleBeforeMs()) {
                // The cursor came from a listing with a shorter idle_for (or the same one, earlier): every entry of this
                // shard idle for as long as this one asks came before it. DynamoDB refuses a start key outside the condition.
                at = at.next();
                continue;
            }
            QueryResponse page = queryIndex(index, hashKeys.get(at.position()), query, limit - found.size(), at);
            for (TenantRecord r : items(page.items())) {
                if (query.matches(r)) found.add(r);
            }
            boolean done = !page.hasLastEvaluatedKey() || page.lastEvaluatedKey().isEmpty();
            if (done) {
                at = at.next();
            } else {
                Map<String, AttributeValue> last = page.lastEvaluatedKey();
                at = at.after(last.get(TENANT).s(), index == 'i' ? longOf(last, LAST_ACCESS_MS) : 0);
            }
        }
        return new TenantPage(found, at.position() < hashKeys.size() ? at.encode() : null);
    }

    /** Every partition-key value the walk visits, in order. */
    private List<String> hashKeys(TenantQuery query, char index) {
        List<String> keys = new ArrayList<>();
        if (index == 's') {
            for (int shard = 0; shard < config.idleShards(); shard++) keys.add(DynamoDbItems.schemaShard(query.schemaVersion(), shard));
        } else {
            for (Tier tier : query.tier() == null ? TIERS : List.of(query.tier())) {
                for (int shard = 0; shard < config.idleShards(); shard++) keys.add(DynamoDbItems.idleShard(tier, shard));
            }
        }
        return keys;
    }

    private QueryResponse queryIndex(char index, String hashKey, TenantQuery query, int limit, ListCursor at) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":h", s(hashKey));
        Map<String, AttributeValue> start = null;
        String condition;
        if (index == 's') {
            names.put("#h", SCHEMA_SHARD);
            condition = "#h = :h";
            if (at.lastTenant() != null) start = Map.of(TENANT, s(at.lastTenant()), SCHEMA_SHARD, s(hashKey));
        } else {
            names.put("#h", IDLE_SHARD);
            names.put("#la", LAST_ACCESS_MS);
            values.put(":before", n(query.idleBeforeMs() == null ? Long.MAX_VALUE : query.idleBeforeMs()));
            condition = "#h = :h AND #la < :before";
            if (at.lastTenant() != null) {
                start = Map.of(TENANT, s(at.lastTenant()), IDLE_SHARD, s(hashKey), LAST_ACCESS_MS, n(at.lastAccessMs()));
            }
        }
        Map<String, AttributeValue> exclusiveStart = start;
        return dynamo.query(r -> r.tableName(config.tenantsTable()).indexName(index == 's' ? SCHEMA_INDEX : IDLE_INDEX).limit(limit)
                .keyConditionExpression(condition).expressionAttributeNames(names).expressionAttributeValues(values)
                .exclusiveStartKey(exclusiveStart));
    }

    /** The whole items of the index entries, in the entries' order; entries whose item is gone are left out. */
    private List<TenantRecord> items(List<Map<String, AttributeValue>> entries) {
        Map<String, TenantRecord> byTenant = new LinkedHashMap<>();
        for (var e : entries) byTenant.put(e.get(TENANT).s(), null);
        List<String> ids = new ArrayList<>(byTenant.keySet());
        for (int from = 0; from < ids.size(); from += 100) {
            List<Map<String, AttributeValue>> keys = ids.subList(from, Math.min(ids.size(), from + 100)).stream()
                    .map(id -> Map.of(TENANT, s(id))).toList();
            Map<String, KeysAndAttributes> request = Map.of(config.tenantsTable(),
                    KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
            while (!request.isEmpty()) {
                Map<String, KeysAndAttributes> ask = request;
                var response = dynamo.batchGetItem(b -> b.requestItems(ask));
                for (var item : response.responses().getOrDefault(config.tenantsTable(), List.of())) {
                    byTenant.put(item.get(TENANT).s(), DynamoDbItems.tenant(item));
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
        }
        return byTenant.values().stream().filter(r -> r != null).toList();
    }
}
