package io.cairn.edge.read;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.connectors.cache.LocalQueryCache;
import io.cairn.connectors.cache.QueryCacheKey;
import io.cairn.connectors.keys.LocalDataKeyVault;
import io.cairn.connectors.keys.LocalKeyEncryptionKey;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.edge.json.StatementSpec;
import io.cairn.topics.Bookmark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadCacheTest {
    private static final Duration MIN_COST = Duration.ofMillis(2);
    private final ReadCache cache = new ReadCache(new LocalQueryCache(1 << 20, 16 << 20, new SimpleMeterRegistry()),
            MIN_COST, Duration.ofMinutes(1));
    private final StatementSpec spec = new StatementSpec("SELECT * FROM t WHERE id = ?", List.of(1L), Map.of());
    private static final ReadCache.Stability STABLE = () -> false;
    private final Bookmark at = new Bookmark(3, 41);
    private final QueryResult result = new QueryResult(List.of("id", "img", "name"),
            List.of(Arrays.asList(1L, new byte[] {1, 2, 3}, null)), at);

    @Test
    void expensiveResultIsServedAtTheSamePositionWithBlobsIntact() {
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() * 2, STABLE);
        QueryResult hit = cache.lookup("acme", at, spec.sql(), spec).orElseThrow();
        assertThat(hit.columns()).isEqualTo(result.columns());
        assertThat(hit.rows().getFirst().get(0)).isEqualTo(1L);
        assertThat((byte[]) hit.rows().getFirst().get(1)).containsExactly(1, 2, 3);
        assertThat(hit.rows().getFirst().get(2)).isNull();
        assertThat(hit.position()).isEqualTo(at);
    }

    @Test
    void aWriteMovesThePositionSoOlderEntriesAreNeverServed() {
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() * 2, STABLE);
        assertThat(cache.lookup("acme", new Bookmark(3, 42), spec.sql(), spec)).isEmpty();
    }

    @Test
    void otherTenantsAndOtherParametersMiss() {
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() * 2, STABLE);
        assertThat(cache.lookup("other", at, spec.sql(), spec)).isEmpty();
        StatementSpec two = new StatementSpec(spec.sql(), List.of(2L), Map.of());
        assertThat(cache.lookup("acme", at, spec.sql(), two)).isEmpty();
    }

    @Test
    void statementsWhoseAnswerVariesOnTheSameDataAreNotCached() {
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() * 2, () -> true);
        assertThat(cache.lookup("acme", at, spec.sql(), spec)).isEmpty();
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() * 2, () -> {
            throw new SQLException("cannot compile");
        });
        assertThat(cache.lookup("acme", at, spec.sql(), spec)).isEmpty();
    }

    /** A long statement is known by a digest (its text is not kept), and still only its own text finds it. */
    @Test
    void aLongStatementIsCachedByItsDigestAndAnotherTextMisses() {
        String longSql = spec.sql() + " -- " + "x".repeat(100_000);
        StatementSpec longSpec = new StatementSpec(longSql, spec.positional(), Map.of());
        cache.offer("acme", longSql, longSpec, result, MIN_COST.toNanos() * 2, STABLE);
        assertThat(cache.lookup("acme", at, longSql, longSpec)).isPresent();
        String other = longSql + "y";
        assertThat(cache.lookup("acme", at, other, new StatementSpec(other, spec.positional(), Map.of()))).isEmpty();
        assertThat(cache.lookup("other", at, longSql, longSpec)).isEmpty();
    }

    @Test
    void cheapStatementsAreNotCached() {
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() / 2, STABLE);
        assertThat(cache.lookup("acme", at, spec.sql(), spec)).isEmpty();
    }

    /** A statement slow once (a cold start, a pause) and cheap when it runs again is not looked up in the cache any more. */
    @Test
    void aStatementCheapAgainIsNoLongerLookedUp() {
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() * 2, STABLE);
        assertThat(cache.lookup("acme", at, spec.sql(), spec)).isPresent();
        StatementSpec two = new StatementSpec(spec.sql(), List.of(2L), Map.of());
        cache.offer("acme", spec.sql(), two, result, MIN_COST.toNanos() / 4, STABLE); // another row, a miss, run cheaply
        assertThat(cache.lookup("acme", at, spec.sql(), spec)).isEmpty();
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() * 2, STABLE); // slow again: cached again
        assertThat(cache.lookup("acme", at, spec.sql(), spec)).isPresent();
    }

    @Test
    void disabledCacheNeverAnswers() {
        ReadCache.DISABLED.offer("acme", spec.sql(), spec, result, Long.MAX_VALUE, STABLE);
        assertThat(ReadCache.DISABLED.lookup("acme", at, spec.sql(), spec)).isEmpty();
    }

    @Test
    void withEncryptionAnEntryIsSealedAtRestAndErasingTheTenantErasesIt(@TempDir Path dir) {
        LocalQueryCache store = new LocalQueryCache(1 << 20, 16 << 20, new SimpleMeterRegistry());
        TenantKeys keys = new TenantKeys(new LocalDataKeyVault(dir.resolve("vault")), LocalKeyEncryptionKey.open(dir.resolve("kek")),
                new SimpleMeterRegistry());
        keys.create("acme");
        ReadCache sealed = new ReadCache(store, MIN_COST, Duration.ofMinutes(1)).sealedWith(keys);
        QueryResult secret = new QueryResult(List.of("card"), List.of(List.of("4111-1111-1111-1111")), at);
        sealed.offer("acme", spec.sql(), spec, secret, MIN_COST.toNanos() * 2, STABLE);
        assertThat(sealed.lookup("acme", at, spec.sql(), spec).orElseThrow().rows()).isEqualTo(secret.rows());

        byte[] stored = store.get(QueryCacheKey.of("acme", at, spec.sql(), spec.positional(), spec.named())).orElseThrow();
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("4111-1111");
        // Moved under another key (another position, same tenant): it does not open there.
        store.put(QueryCacheKey.of("acme", new Bookmark(3, 50), spec.sql(), spec.positional(), spec.named()), stored, Duration.ofMinutes(1));
        assertThat(sealed.lookup("acme", new Bookmark(3, 50), spec.sql(), spec)).isEmpty();

        keys.destroyMadeUpTo("acme", System.currentTimeMillis());
        assertThat(sealed.lookup("acme", at, spec.sql(), spec)).isEmpty();
    }

    @Test
    void withEncryptionATenantWithoutKeysIsCachedClearAsItsRecordsAre(@TempDir Path dir) {
        TenantKeys keys = new TenantKeys(new LocalDataKeyVault(dir.resolve("vault")), LocalKeyEncryptionKey.open(dir.resolve("kek")),
                new SimpleMeterRegistry());
        ReadCache sealed = new ReadCache(new LocalQueryCache(1 << 20, 16 << 20, new SimpleMeterRegistry()), MIN_COST,
                Duration.ofMinutes(1)).sealedWith(keys);
        sealed.offer("legacy", spec.sql(), spec, result, MIN_COST.toNanos() * 2, STABLE);
        assertThat(sealed.lookup("legacy", at, spec.sql(), spec)).isPresent();
    }
}
