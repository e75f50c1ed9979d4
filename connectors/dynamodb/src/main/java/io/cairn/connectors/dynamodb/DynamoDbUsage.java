package io.cairn.connectors.dynamodb;

import static io.cairn.connectors.dynamodb.DynamoDbItems.longOf;
import static io.cairn.connectors.dynamodb.DynamoDbItems.n;
import static io.cairn.connectors.dynamodb.DynamoDbItems.s;
import static io.cairn.connectors.dynamodb.DynamoDbSchema.*;

import io.cairn.connectors.metadata.AccessReport;
import io.cairn.connectors.metadata.UsageCounts;
import io.cairn.connectors.metadata.UsageReport;
import io.cairn.connectors.metadata.WriteCounts;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The usage table: per tenant and life (the tenant's creation offset: a tenant deleted and created again
 * is another life), one item per (day, source) and one per (total, source), where a source is an edge run
 * or {@code log} (the applier's write counts). Each item carries the stamp that last changed it (a report's
 * seq, a state's applied offset), and every write is conditional on moving the stamp forward: a replayed
 * report or an older state changes nothing. Sort keys: {@code life#<offset>#day#2026-11-30#src#<source>},
 * {@code life#<offset>#day#2026-11-30#log}, {@code life#<offset>#total#src#<source>}, {@code life#<offset>#total#log};
 * an unknown life (-1: an older edge, a tenant file made before creations were recorded) has no prefix, as
 * every item had before lives were kept apart.
 */
final class DynamoDbUsage {
    private static final String LOG = "log";

    private final DynamoDbClient dynamo;
    private final String table;

    DynamoDbUsage(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    boolean add(AccessReport r) {
        String src = "src#" + r.source();
        String life = lifePrefix(r.life());
        boolean day = addOnce(r, life + "day#" + r.day() + "#" + src);
        boolean total = addOnce(r, life + "total#" + src);
        return day || total;
    }

    private boolean addOnce(AccessReport r, String item) {
        UsageCounts c = r.counts();
        try {
            dynamo.updateItem(u -> u.tableName(table).key(key(r.tenant(), item))
                    .updateExpression("ADD #r :r, #w :w, #rr :rr, #bi :bi, #bo :bo SET #st = :st")
                    .conditionExpression("attribute_not_exists(#st) OR #st < :st")
                    .expressionAttributeNames(Map.of("#r", READS, "#w", WRITES, "#rr", ROWS_READ, "#bi", BYTES_IN, "#bo", BYTES_OUT,
                            "#st", STAMP))
                    .expressionAttributeValues(Map.of(":r", n(c.reads()), ":w", n(c.writes()), ":rr", n(c.rowsRead()),
                            ":bi", n(c.bytesIn()), ":bo", n(c.bytesOut()), ":st", n(r.seq()))));
            return true;
        } catch (ConditionalCheckFailedException alreadyAdded) {
            return false;
        }
    }

    /** Stores a state's write counts (the days first, then the totals), each only forward in applied offset. */
    void setWrites(String tenant, WriteCounts w, long appliedOffset) {
        String life = lifePrefix(w.life());
        for (WriteCounts.Day d : w.days()) setOnce(tenant, life + "day#" + d.day() + "#" + LOG, d.statements(), d.rowsWritten(), appliedOffset);
        if (w.statements() > 0 || w.rowsWritten() > 0) setOnce(tenant, life + "total#" + LOG, w.statements(), w.rowsWritten(), appliedOffset);
    }

    /** The sort-key prefix of a life's items; none for an unknown life (-1). */
    private static String lifePrefix(long life) {
        return life < 0 ? "" : "life#" + life + "#";
    }

    private void setOnce(String tenant, String item, long statements, long rows, long stamp) {
        try {
            dynamo.updateItem(u -> u.tableName(table).key(key(tenant, item))
                    .updateExpression("SET #s = :s, #rw = :rw, #st = :st")
                    .conditionExpression("attribute_not_exists(#st) OR #st < :st")
                    .expressionAttributeNames(Map.of("#s", STATEMENTS, "#rw", ROWS_WRITTEN, "#st", STAMP))
                    .expressionAttributeValues(Map.of(":s", n(statements), ":rw", n(rows), ":st", n(stamp))));
        } catch (ConditionalCheckFailedException newerStored) {
            // A newer state set this item already.
        }
    }

    UsageReport usage(String tenant, long life, LocalDate from, LocalDate to, long storageBytes) {
        String prefix = lifePrefix(life);
        UsageCounts totals = UsageCounts.ZERO;
        for (var item : query(tenant, "#i BETWEEN :a AND :b", prefix + "total#", prefix + "total#~")) totals = totals.plus(counts(item));
        TreeMap<LocalDate, UsageCounts> days = new TreeMap<>();
        for (var item : query(tenant, "#i BETWEEN :a AND :b", prefix + "day#" + from + "#", prefix + "day#" + to + "#~")) {
            LocalDate day = LocalDate.parse(item.get(USAGE_ITEM).s().substring(prefix.length()).split("#")[1]);
            days.merge(day, counts(item), UsageCounts::plus);
        }
        List<UsageReport.Day> out = new ArrayList<>();
        days.forEach((day, counts) -> out.add(new UsageReport.Day(day, counts)));
        return new UsageReport(tenant, totals, storageBytes, out);
    }

    private List<Map<String, AttributeValue>> query(String tenant, String range, String a, String b) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":t", s(tenant), ":a", s(a), ":b", s(b)));
        for (var page : dynamo.queryPaginator(q -> q.tableName(table).consistentRead(true)
                .keyConditionExpression("#t = :t AND " + range)
                .expressionAttributeNames(Map.of("#t", TENANT, "#i", USAGE_ITEM)).expressionAttributeValues(values))) {
            out.addAll(page.items());
        }
        return out;
    }

    private static UsageCounts counts(Map<String, AttributeValue> item) {
        return new UsageCounts(orZero(item, READS), orZero(item, WRITES), orZero(item, ROWS_READ), orZero(item, BYTES_IN),
                orZero(item, BYTES_OUT), orZero(item, STATEMENTS), orZero(item, ROWS_WRITTEN));
    }

    private static long orZero(Map<String, AttributeValue> item, String name) {
        return item.containsKey(name) ? longOf(item, name) : 0;
    }

    private static Map<String, AttributeValue> key(String tenant, String item) {
        return Map.of(TENANT, s(tenant), USAGE_ITEM, s(item));
    }
}
