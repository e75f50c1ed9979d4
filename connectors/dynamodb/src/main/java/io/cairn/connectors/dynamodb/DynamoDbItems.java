package io.cairn.connectors.dynamodb;

import io.cairn.connectors.metadata.ApiKeyRecord;
import io.cairn.connectors.metadata.TenantRecord;
import io.cairn.connectors.metadata.WriteCounts;
import static io.cairn.connectors.dynamodb.DynamoDbSchema.*;

import io.cairn.topics.avro.Tier;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Converts records to DynamoDB items and back. */
final class DynamoDbItems {
    private DynamoDbItems() {}

    /** The idle index's partition key: tier plus a stable shard of the tenant id. */
    static String idleShard(Tier tier, String tenant, int shards) {
        return idleShard(tier, Math.floorMod(tenant.hashCode(), shards));
    }

    static String idleShard(Tier tier, int shard) {
        return tier.name() + "#" + shard;
    }

    /** The schema index's partition key: the version plus a stable shard of the tenant id. */
    static String schemaShard(int version, String tenant, int shards) {
        return schemaShard(version, Math.floorMod(tenant.hashCode(), shards));
    }

    static String schemaShard(int version, int shard) {
        return "v" + version + "#" + shard;
    }

    /** Every attribute of the tenant item except its key and last access. */
    static Map<String, AttributeValue> stateAttributes(TenantRecord r, int shards) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put(TIER, s(r.tier().name()));
        item.put(IDLE_SHARD, s(idleShard(r.tier(), r.tenant(), shards)));
        item.put(PARTITION, n(r.partition()));
        item.put(APPLIED_OFFSET, n(r.appliedOffset()));
        item.put(SCHEMA_VERSION, n(r.schemaVersion()));
        item.put(SIZE_BYTES, n(r.sizeBytes()));
        item.put(CREATED_AT_MS, n(r.createdAtMs()));
        item.put(LAST_WRITE_MS, n(r.lastWriteMs()));
        item.put(KEYS, AttributeValue.fromL(r.keys().stream().map(DynamoDbItems::embeddedKey).toList()));
        item.put(SCHEMA_SHARD, s(schemaShard(r.schemaVersion(), r.tenant(), shards)));
        item.put(WRITES_LIFE, n(r.writes().life()));
        item.put(STATEMENTS, n(r.writes().statements()));
        item.put(ROWS_WRITTEN, n(r.writes().rowsWritten()));
        item.put(WRITE_DAYS, AttributeValue.fromL(r.writes().days().stream().map(d -> AttributeValue.fromM(Map.of(
                DAY, s(d.day().toString()), STATEMENTS, n(d.statements()), ROWS_WRITTEN, n(d.rowsWritten())))).toList()));
        return item;
    }

    private static WriteCounts writes(Map<String, AttributeValue> item) {
        if (!item.containsKey(STATEMENTS)) return WriteCounts.NONE; // written by a version that did not count
        List<WriteCounts.Day> days = item.get(WRITE_DAYS).l().stream().map(AttributeValue::m)
                .map(d -> new WriteCounts.Day(LocalDate.parse(d.get(DAY).s()), longOf(d, STATEMENTS), longOf(d, ROWS_WRITTEN))).toList();
        long life = item.containsKey(WRITES_LIFE) ? longOf(item, WRITES_LIFE) : -1; // -1: stored before lives were kept apart
        return new WriteCounts(life, longOf(item, STATEMENTS), longOf(item, ROWS_WRITTEN), days);
    }

    static TenantRecord tenant(Map<String, AttributeValue> item) {
        String tenant = item.get(TENANT).s();
        List<ApiKeyRecord> keys = item.get(KEYS).l().stream().map(k -> embeddedKey(tenant, k.m())).toList();
        AttributeValue snapshot = item.get(LATEST_SNAPSHOT);
        return new TenantRecord(tenant, Tier.valueOf(item.get(TIER).s()), intOf(item, PARTITION), longOf(item, APPLIED_OFFSET),
                intOf(item, SCHEMA_VERSION), longOf(item, SIZE_BYTES), longOf(item, CREATED_AT_MS),
                longOf(item, LAST_WRITE_MS), keys, snapshot == null ? null : snapshot.s(), longOf(item, LAST_ACCESS_MS), writes(item));
    }

    static Map<String, AttributeValue> keyItem(ApiKeyRecord k) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put(KEY_ID, s(k.keyId()));
        item.put(TENANT, s(k.tenant()));
        item.put(SECRET_SHA256, s(k.secretSha256()));
        // A list, not a string set: DynamoDB refuses empty sets, and a key may have no scope yet.
        item.put(SCOPES, AttributeValue.fromL(k.scopes().stream().sorted().map(DynamoDbItems::s).toList()));
        item.put(CREATED_AT_MS, n(k.createdAtMs()));
        item.put(REVOKED, AttributeValue.fromBool(k.revoked()));
        return item;
    }

    static ApiKeyRecord key(Map<String, AttributeValue> item) {
        return new ApiKeyRecord(item.get(KEY_ID).s(), item.get(TENANT).s(), item.get(SECRET_SHA256).s(),
                new HashSet<>(item.get(SCOPES).l().stream().map(AttributeValue::s).toList()), longOf(item, CREATED_AT_MS),
                item.get(REVOKED).bool());
    }

    private static AttributeValue embeddedKey(ApiKeyRecord k) {
        Map<String, AttributeValue> m = keyItem(k);
        m.remove(TENANT);
        return AttributeValue.fromM(m);
    }

    private static ApiKeyRecord embeddedKey(String tenant, Map<String, AttributeValue> m) {
        Map<String, AttributeValue> withTenant = new LinkedHashMap<>(m);
        withTenant.put(TENANT, s(tenant));
        return key(withTenant);
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static long longOf(Map<String, AttributeValue> item, String name) {
        return Long.parseLong(item.get(name).n());
    }

    private static int intOf(Map<String, AttributeValue> item, String name) {
        return Integer.parseInt(item.get(name).n());
    }
}
