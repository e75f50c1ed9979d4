package io.cairn.connectors.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.avro.ApiKey;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
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
        store.createTablesIfMissing();
        store.createTablesIfMissing();
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
        TenantState fromTopic = TenantState.newBuilder().setTenant("acme").setTier(Tier.HOT).setPartition(2)
                .setAppliedOffset(41).setSchemaVersion(3).setSizeBytes(4096).setCreatedAtMs(1).setLastWriteMs(2)
                .setKeys(List.of(ApiKey.newBuilder().setKeyId("k1").setSecretSha256(SECRET).setScopes(List.of("read"))
                        .setCreatedAtMs(1).setRevoked(false).build()))
                .setLatestSnapshot(null).build();

        store.upsert(TenantRecord.from(fromTopic, 3));

        TenantRecord stored = store.get("acme").orElseThrow();
        assertThat(stored.appliedOffset()).isEqualTo(41);
        assertThat(stored.partition()).isEqualTo(2);
        assertThat(stored.lastAccessMs()).isEqualTo(3);
        assertThat(stored.keys()).containsExactly(new ApiKeyRecord("k1", "acme", SECRET, Set.of("read"), 1, false));
    }

    @Test
    void invalidArgumentsAreRefused() {
        assertThatThrownBy(() -> store.get("Bad/Id")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.idleTenants(Tier.HOT, 0, 0, null)).isInstanceOf(IllegalArgumentException.class);
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
