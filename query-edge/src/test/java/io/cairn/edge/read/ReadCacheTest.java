package io.cairn.edge.read;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.connectors.cache.LocalQueryCache;
import io.cairn.edge.json.StatementSpec;
import io.cairn.topics.Bookmark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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

    @Test
    void cheapStatementsAreNotCached() {
        cache.offer("acme", spec.sql(), spec, result, MIN_COST.toNanos() / 2, STABLE);
        assertThat(cache.lookup("acme", at, spec.sql(), spec)).isEmpty();
    }

    @Test
    void disabledCacheNeverAnswers() {
        ReadCache.DISABLED.offer("acme", spec.sql(), spec, result, Long.MAX_VALUE, STABLE);
        assertThat(ReadCache.DISABLED.lookup("acme", at, spec.sql(), spec)).isEmpty();
    }
}
