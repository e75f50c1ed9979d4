package io.cairn.connectors.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.DayWrites;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import io.cairn.topics.avro.WriteUsage;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The guarantees every {@link MetadataStore} gives; subclasses supply a fresh store with its tables. */
public abstract class MetadataStoreContract {
    private static final Logger log = LoggerFactory.getLogger(MetadataStoreContract.class);
    private static final long SEED = 7;
    private static final String SECRET = "a".repeat(64);

    protected MetadataStore store;

    /** A store whose tables exist and are empty. */
    protected abstract MetadataStore newStore() throws Exception;

    @BeforeEach
    void setUpStore() throws Exception {
        store = newStore();
        store.createTablesIfMissing();
    }

    @Test
    void upsertThenGetReturnsTheSameState() {
        TenantRecord state = state("acme", 10, Tier.HOT, 1_000).withLastAccessMs(1_500);

        assertThat(store.upsert(state)).isEqualTo(UpsertOutcome.APPLIED);
        assertThat(store.get("acme")).contains(state);
    }

    @Test
    void olderStateNeverOverwritesNewer() {
        store.upsert(state("acme", 10, Tier.HOT, 1_000));

        assertThat(store.upsert(state("acme", 5, Tier.COLD, 2_000))).isEqualTo(UpsertOutcome.STALE);
        assertThat(store.upsert(state("acme", 10, Tier.COLD, 2_000))).as("same offset replayed").isEqualTo(UpsertOutcome.STALE);
        assertThat(store.get("acme").orElseThrow().appliedOffset()).isEqualTo(10);
        assertThat(store.get("acme").orElseThrow().tier()).isEqualTo(Tier.HOT);
    }

    @Test
    void outOfOrderUpsertsConvergeToTheNewestState() {
        List<Long> offsets = new ArrayList<>(LongStream.rangeClosed(1, 30).boxed().toList());
        Collections.shuffle(offsets, new Random(SEED));
        log.info("upsert order (seed {}): {}", SEED, offsets);

        for (long offset : offsets) store.upsert(state("acme", offset, offset % 2 == 0 ? Tier.HOT : Tier.COLD, offset));

        assertThat(store.get("acme").orElseThrow().appliedOffset()).isEqualTo(30);
        assertThat(store.get("acme").orElseThrow().sizeBytes()).isEqualTo(30 * 100);
    }

    @Test
    void concurrentConditionalWritesKeepTheNewestState() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (long offset = writer; offset < 40; offset += 4) store.upsert(state("race", 40 - offset, Tier.HOT, offset));
                }));
            }
            for (Future<?> f : writers) f.get();
        } finally {
            pool.shutdown();
        }
        assertThat(store.get("race").orElseThrow().appliedOffset()).isEqualTo(40);
    }

    @Test
    void lastAccessNeverMovesBackward() {
        store.upsert(state("acme", 1, Tier.HOT, 0).withLastAccessMs(1_000));

        assertThat(store.recordAccess("acme", 5_000)).isTrue();
        assertThat(store.recordAccess("acme", 4_000)).isFalse();
        assertThat(store.upsert(state("acme", 2, Tier.HOT, 0).withLastAccessMs(3_000))).isEqualTo(UpsertOutcome.APPLIED);

        TenantRecord stored = store.get("acme").orElseThrow();
        assertThat(stored.appliedOffset()).as("the newer state still lands").isEqualTo(2);
        assertThat(stored.lastAccessMs()).isEqualTo(5_000);

        store.upsert(state("acme", 3, Tier.HOT, 0).withLastAccessMs(9_000));
        assertThat(store.get("acme").orElseThrow().lastAccessMs()).isEqualTo(9_000);
    }

    @Test
    void unknownTenantReadsEmptyAndAccessCreatesNothing() {
        assertThat(store.get("nobody")).isEmpty();
        assertThat(store.recordAccess("nobody", 1_000)).isFalse();
        assertThat(store.get("nobody")).isEmpty();
        assertThat(store.delete("nobody")).isFalse();
    }

    @Test
    void deleteRemovesTheTenantAndItsKeysOnly() {
        store.upsert(state("acme", 1, Tier.HOT, 0));
        store.upsert(state("other", 1, Tier.HOT, 0));
        store.putKey(key("k1", "acme"));
        store.putKey(key("k2", "acme"));
        store.putKey(key("k3", "other"));

        assertThat(store.delete("acme")).isTrue();
        assertThat(store.get("acme")).isEmpty();
        assertThat(store.getKey("k1")).isEmpty();
        assertThat(store.getKey("k2")).isEmpty();
        assertThat(store.getKey("k3")).isPresent();
        assertThat(store.get("other")).isPresent();
        assertThat(store.delete("acme")).isFalse();
    }

    @Test
    void idleQueryReturnsOnlyTenantsOfTheTierIdleBeforeTheBound() {
        store.upsert(state("hot-idle", 1, Tier.HOT, 0).withLastAccessMs(1_000));
        store.upsert(state("hot-busy", 1, Tier.HOT, 0).withLastAccessMs(9_000));
        store.upsert(state("cold-idle", 1, Tier.COLD, 0).withLastAccessMs(1_000));
        store.upsert(state("hot-edge", 1, Tier.HOT, 0).withLastAccessMs(5_000));

        assertThat(allIdle(Tier.HOT, 5_000, 10)).extracting(IdleTenant::tenant).containsExactly("hot-idle");
        assertThat(allIdle(Tier.COLD, 5_000, 10)).extracting(IdleTenant::tenant).containsExactly("cold-idle");

        store.upsert(state("hot-idle", 2, Tier.COLD, 0).withLastAccessMs(1_000));
        assertThat(allIdle(Tier.HOT, 5_000, 10)).as("a frozen tenant leaves the HOT index").isEmpty();
    }

    @Test
    void idleQueryPagesCoverEveryMatchingTenantExactlyOnce() {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 23; i++) {
            store.upsert(state("t" + i, 1, Tier.HOT, 0).withLastAccessMs(1_000 + i));
            expected.add("t" + i);
        }
        store.upsert(state("recent", 1, Tier.HOT, 0).withLastAccessMs(100_000));

        List<IdleTenant> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            IdlePage page = store.idleTenants(Tier.HOT, 50_000, 5, cursor);
            assertThat(page.tenants()).hasSizeLessThanOrEqualTo(5);
            seen.addAll(page.tenants());
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null);

        assertThat(seen).extracting(IdleTenant::tenant).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        assertThat(pages).isGreaterThanOrEqualTo(5);
    }

    @Test
    void createTablesIsIdempotent() {
        store.upsert(state("acme", 1, Tier.HOT, 0));
        boolean made = store.createTablesIfMissing();
        assertThat(store.createTablesIfMissing()).as("whether this store made them, however often asked").isEqualTo(made);
        assertThat(store.get("acme")).isPresent();
    }

    @Test
    void apiKeyRoundTripsAndRevocationIsSticky() {
        ApiKeyRecord key = key("k1", "acme");
        assertThat(store.putKey(key)).isTrue();
        assertThat(store.getKey("k1")).contains(key);

        assertThat(store.revokeKey("k1")).isTrue();
        assertThat(store.putKey(key)).as("a replayed IssueKey after RevokeKey").isFalse();
        assertThat(store.getKey("k1").orElseThrow().revoked()).isTrue();
        assertThat(store.revokeKey("missing")).isFalse();
        assertThat(store.getKey("missing")).isEmpty();
    }

    @Test
    void keyIdNeverMovesToAnotherTenant() {
        store.putKey(key("k1", "acme"));

        assertThat(store.putKey(key("k1", "evil"))).isFalse();
        assertThat(store.getKey("k1").orElseThrow().tenant()).isEqualTo("acme");
    }

    @Test
    void stateWithKeysAndSnapshotRoundTrips() {
        TenantRecord state = new TenantRecord("acme", Tier.COLD, 3, 77, 4, 8192, 10, 20,
                List.of(key("k1", "acme"), new ApiKeyRecord("k2", "acme", SECRET, Set.of(), 5, true)),
                "tenants/acme/snapshots/00000000000000000077", 30);
        store.upsert(state);
        assertThat(store.get("acme")).contains(state);

        TenantRecord noSnapshot = new TenantRecord("acme", Tier.HOT, 3, 78, 4, 8192, 10, 20, List.of(), null, 30);
        store.upsert(noSnapshot);
        assertThat(store.get("acme")).contains(noSnapshot);
    }

    @Test
    void stateFromTheTenantStateTopicRoundTrips() {
        TenantState fromTopic = TenantState.newBuilder().setMigrations(java.util.List.of()).setTenant("acme").setTier(Tier.HOT).setPartition(2)
                .setAppliedOffset(41).setSchemaVersion(3).setSizeBytes(4096).setCreatedAtMs(1).setLastWriteMs(2).setCreatedOffset(LIFE)
                .setKeys(List.of(ApiKey.newBuilder().setKeyId("k1").setSecretSha256(SECRET).setScopes(List.of("read"))
                        .setCreatedAtMs(1).setRevoked(false).build()))
                .setLatestSnapshot(null).setWrites(new WriteUsage(5L, 9L, List.of(new DayWrites(20_000, 5L, 9L)))).build();

        store.upsert(TenantRecord.from(fromTopic, 3));

        TenantRecord stored = store.get("acme").orElseThrow();
        assertThat(stored.appliedOffset()).isEqualTo(41);
        assertThat(stored.partition()).isEqualTo(2);
        assertThat(stored.lastAccessMs()).isEqualTo(3);
        assertThat(stored.keys()).containsExactly(new ApiKeyRecord("k1", "acme", SECRET, Set.of("read"), 1, false));
        assertThat(stored.writes()).isEqualTo(new WriteCounts(LIFE, 5, 9, List.of(new WriteCounts.Day(LocalDate.ofEpochDay(20_000), 5, 9))));
    }

    @Test
    void invalidArgumentsAreRefused() {
        assertThatThrownBy(() -> store.get("Bad/Id")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.idleTenants(Tier.HOT, 0, 0, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reportsAddUpPerDayAndInTotal() {
        store.addUsage(report("acme", "edge-a", 1, DAY1, 10));
        store.addUsage(report("acme", "edge-a", 2, DAY2, 20));
        store.addUsage(report("acme", "edge-b", 1, DAY2, 5));
        store.addUsage(report("other", "edge-a", 3, DAY2, 1_000));

        UsageReport u = store.usage("acme", LIFE, DAY1, DAY2);
        assertThat(u.totals()).isEqualTo(edgeCounts(35));
        assertThat(u.days()).containsExactly(new UsageReport.Day(DAY1, edgeCounts(10)), new UsageReport.Day(DAY2, edgeCounts(25)));
        assertThat(store.usage("acme", LIFE, DAY2, DAY2).days()).containsExactly(new UsageReport.Day(DAY2, edgeCounts(25)));
        assertThat(store.usage("acme", LIFE, DAY2.plusDays(1), DAY2.plusDays(9)).days()).isEmpty();
    }

    @Test
    void aReportAddedAgainCountsOnce() {
        AccessReport r = report("acme", "edge-a", 7, DAY1, 10);
        assertThat(store.addUsage(r)).isTrue();
        assertThat(store.addUsage(r)).as("the same report again (a replay)").isFalse();
        assertThat(store.addUsage(report("acme", "edge-a", 6, DAY1, 10))).as("an older report of the source").isFalse();
        assertThat(store.addUsage(report("acme", "edge-b", 7, DAY1, 10))).as("another source's seq 7").isTrue();

        assertThat(store.usage("acme", LIFE, DAY1, DAY1).totals()).isEqualTo(edgeCounts(20));
    }

    @Test
    void writeCountsFollowTheNewestStateAndNeverGoBack() {
        store.upsert(withWrites(state("acme", 5, Tier.HOT, 0), 10, 100, dayWrites(DAY1, 6, 60), dayWrites(DAY2, 4, 40)));
        store.upsert(withWrites(state("acme", 3, Tier.HOT, 0), 99, 999, dayWrites(DAY2, 99, 999)));
        store.upsert(withWrites(state("acme", 8, Tier.HOT, 0), 13, 131, dayWrites(DAY2, 6, 70), dayWrites(DAY3, 1, 1)));
        store.addUsage(report("acme", "edge-a", 1, DAY2, 3));

        UsageReport u = store.usage("acme", LIFE, DAY1, DAY3);
        assertThat(u.totals()).isEqualTo(edgeCounts(3).withWrites(13, 131));
        assertThat(u.days()).containsExactly(
                new UsageReport.Day(DAY1, UsageCounts.ZERO.withWrites(6, 60)),
                new UsageReport.Day(DAY2, edgeCounts(3).withWrites(6, 70)),
                new UsageReport.Day(DAY3, UsageCounts.ZERO.withWrites(1, 1)));
        assertThat(u.storageBytes()).isEqualTo(800);
    }

    @Test
    void usageOutlivesTheTenantRecord() {
        store.upsert(withWrites(state("acme", 5, Tier.HOT, 0), 2, 2, dayWrites(DAY1, 2, 2)));
        store.addUsage(report("acme", "edge-a", 1, DAY1, 10));
        store.delete("acme");

        UsageReport u = store.usage("acme", LIFE, DAY1, DAY1);
        assertThat(u.totals()).isEqualTo(edgeCounts(10).withWrites(2, 2));
        assertThat(u.storageBytes()).as("no file, no storage").isZero();
        assertThat(store.usage("nobody", LIFE, DAY1, DAY3)).isEqualTo(new UsageReport("nobody", UsageCounts.ZERO, 0, List.of()));
    }

    @Test
    void aTenantCreatedAgainStartsItsUsageAfreshAndTheDeletedOnesStays() {
        store.upsert(withWrites(state("acme", 5, Tier.HOT, 0), 2, 2, dayWrites(DAY1, 2, 2)));
        store.addUsage(report("acme", "edge-a", 1, DAY1, 10));
        store.delete("acme");
        long again = 9; // created again at offset 9
        store.upsert(withWrites(state("acme", 9, Tier.HOT, 0), again, 0, 0));
        assertThat(store.addUsage(report("acme", again, "edge-a", 1, DAY1, 3))).as("the same edge's window, another life").isTrue();

        UsageReport now = store.usage("acme", again, DAY1, DAY1);
        assertThat(now.totals()).as("nothing of the deleted tenant").isEqualTo(edgeCounts(3));
        assertThat(now.days()).containsExactly(new UsageReport.Day(DAY1, edgeCounts(3)));
        assertThat(store.usage("acme", LIFE, DAY1, DAY1).totals()).as("the deleted tenant's, kept for billing")
                .isEqualTo(edgeCounts(10).withWrites(2, 2));
    }

    @Test
    void listingPagesCoverEveryTenantExactlyOnce() {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 25; i++) {
            store.upsert(state("t" + i, 1, i % 3 == 0 ? Tier.COLD : Tier.HOT, 0).withLastAccessMs(1_000 + i));
            expected.add("t" + i);
        }

        List<String> seen = listAll(TenantQuery.ALL, 7);

        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void listingFiltersByTierIdlenessAndSchemaVersion() {
        store.upsert(state("hot-old-v1", 1, Tier.HOT, 0).withLastAccessMs(1_000));
        store.upsert(version(state("hot-old-v2", 1, Tier.HOT, 0).withLastAccessMs(1_000), 2));
        store.upsert(version(state("hot-new-v2", 1, Tier.HOT, 0).withLastAccessMs(9_000), 2));
        store.upsert(state("cold-old-v1", 1, Tier.COLD, 0).withLastAccessMs(1_000));

        assertThat(listAll(new TenantQuery(Tier.HOT, null, null), 2)).containsExactlyInAnyOrder("hot-old-v1", "hot-old-v2", "hot-new-v2");
        assertThat(listAll(new TenantQuery(null, 5_000L, null), 2)).containsExactlyInAnyOrder("hot-old-v1", "hot-old-v2", "cold-old-v1");
        assertThat(listAll(new TenantQuery(null, null, 2), 2)).containsExactlyInAnyOrder("hot-old-v2", "hot-new-v2");
        assertThat(listAll(new TenantQuery(Tier.HOT, 5_000L, 2), 2)).containsExactly("hot-old-v2");
        assertThat(listAll(new TenantQuery(Tier.COLD, null, 2), 2)).isEmpty();

        store.upsert(version(state("hot-old-v1", 2, Tier.COLD, 0).withLastAccessMs(1_000), 3));
        assertThat(listAll(new TenantQuery(Tier.COLD, null, 3), 5)).as("a changed tenant moves between indexes").containsExactly("hot-old-v1");
        assertThat(listAll(new TenantQuery(Tier.HOT, null, null), 5)).doesNotContain("hot-old-v1");
    }

    @Test
    void listingReturnsWholeRecords() {
        TenantRecord r = withWrites(state("acme", 4, Tier.HOT, 20).withLastAccessMs(30), 1, 1, dayWrites(DAY1, 1, 1));
        store.upsert(r);

        assertThat(store.listTenants(TenantQuery.ALL, 10, null).tenants()).containsExactly(store.get("acme").orElseThrow());
    }

    @Test
    void listingRefusesBadCursorsAndLimits() {
        assertThatThrownBy(() -> store.listTenants(TenantQuery.ALL, 10, "not-a-cursor")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.listTenants(TenantQuery.ALL, 0, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.listTenants(TenantQuery.ALL, 1_001, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCursorIsRefusedUnderOtherFilters() {
        for (int i = 0; i < 12; i++) store.upsert(state("t" + i, 1, i % 2 == 0 ? Tier.COLD : Tier.HOT, 0).withLastAccessMs(1_000 + i));
        String fromAll = store.listTenants(TenantQuery.ALL, 1, null).nextCursor();
        assertThat(fromAll).as("a listing of 12 tenants by 1 has a next page").isNotNull();
        for (TenantQuery other : List.of(new TenantQuery(Tier.COLD, null, null), new TenantQuery(null, null, 0),
                new TenantQuery(null, 5_000L, null), new TenantQuery(Tier.HOT, 5_000L, 0))) {
            assertThatThrownBy(() -> store.listTenants(other, 10, fromAll)).as(other.toString()).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(store.listTenants(TenantQuery.ALL, 10, fromAll).tenants()).isNotNull();
    }

    private List<String> listAll(TenantQuery query, int limit) {
        List<String> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            TenantPage page = store.listTenants(query, limit, cursor);
            assertThat(page.tenants()).hasSizeLessThanOrEqualTo(limit).allMatch(query::matches);
            page.tenants().forEach(t -> all.add(t.tenant()));
            cursor = page.nextCursor();
            assertThat(++pages).as("pages").isLessThan(1_000);
        } while (cursor != null);
        return all;
    }

    private static final LocalDate DAY1 = LocalDate.of(2026, 11, 28);
    private static final LocalDate DAY2 = DAY1.plusDays(1);
    private static final LocalDate DAY3 = DAY1.plusDays(2);

    /** The life (creation offset) of the tenants of these tests, unless one says otherwise. */
    private static final long LIFE = 4;

    private static AccessReport report(String tenant, String source, long seq, LocalDate day, long reads) {
        return report(tenant, LIFE, source, seq, day, reads);
    }

    private static AccessReport report(String tenant, long life, String source, long seq, LocalDate day, long reads) {
        long end = day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() + 3_600_000;
        return new AccessReport(tenant, life, source, seq, end, end - 1, edgeCounts(reads));
    }

    /** Counts that tell each field apart: n reads, n/5 writes, 10n rows, 100n bytes in, 1000n bytes out. */
    private static UsageCounts edgeCounts(long n) {
        return UsageCounts.ofEdge(n, n / 5, 10 * n, 100 * n, 1_000 * n);
    }

    private static WriteCounts.Day dayWrites(LocalDate day, long statements, long rows) {
        return new WriteCounts.Day(day, statements, rows);
    }

    private static TenantRecord withWrites(TenantRecord r, long statements, long rows, WriteCounts.Day... days) {
        return withWrites(r, LIFE, statements, rows, days);
    }

    private static TenantRecord withWrites(TenantRecord r, long life, long statements, long rows, WriteCounts.Day... days) {
        return new TenantRecord(r.tenant(), r.tier(), r.partition(), r.appliedOffset(), r.schemaVersion(), r.sizeBytes(),
                r.createdAtMs(), r.lastWriteMs(), r.keys(), r.latestSnapshot(), r.lastAccessMs(),
                new WriteCounts(life, statements, rows, List.of(days)));
    }

    private static TenantRecord version(TenantRecord r, int schemaVersion) {
        return new TenantRecord(r.tenant(), r.tier(), r.partition(), r.appliedOffset(), schemaVersion, r.sizeBytes(),
                r.createdAtMs(), r.lastWriteMs(), r.keys(), r.latestSnapshot(), r.lastAccessMs(), r.writes());
    }

    private List<IdleTenant> allIdle(Tier tier, long before, int pageSize) {
        List<IdleTenant> all = new ArrayList<>();
        String cursor = null;
        do {
            IdlePage page = store.idleTenants(tier, before, pageSize, cursor);
            all.addAll(page.tenants());
            cursor = page.nextCursor();
        } while (cursor != null);
        return all;
    }

    protected static TenantRecord state(String tenant, long offset, Tier tier, long lastWriteMs) {
        return new TenantRecord(tenant, tier, 0, offset, 1, offset * 100, 0, lastWriteMs, List.of(), null, lastWriteMs);
    }

    protected static ApiKeyRecord key(String id, String tenant) {
        return new ApiKeyRecord(id, tenant, SECRET, Set.of("read", "write"), 1_000, false);
    }
}
