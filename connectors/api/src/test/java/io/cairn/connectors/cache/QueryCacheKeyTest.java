package io.cairn.connectors.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.Bookmark;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryCacheKeyTest {
    private static final Bookmark AT = new Bookmark(2, 40);

    @Test
    void lengthPrefixesKeepAdjacentValuesApart() {
        assertThat(digest("q", List.of("ab", "c"))).isNotEqualTo(digest("q", List.of("a", "bc")));
        assertThat(digest("q", List.of(new byte[] {1, 2}, new byte[] {3}))).isNotEqualTo(digest("q", List.of(new byte[] {1}, new byte[] {2, 3})));
        assertThat(digest("select ?", List.of())).isNotEqualTo(digest("select ", List.of("?")));
    }

    @Test
    void valuesOfDifferentTypesNeverCollide() {
        assertThat(List.of(digest("q", List.of(1L)), digest("q", List.of(1.0)), digest("q", List.of("1")),
                digest("q", List.of(true)), digest("q", List.of(new byte[] {1})), digest("q", java.util.Collections.singletonList(null))))
                .doesNotHaveDuplicates();
    }

    @Test
    void positionalAndNamedParametersAreDistinct() {
        String positional = QueryCacheKey.of("acme", AT, "q", List.of(1L), Map.of()).statementSha256();
        String named = QueryCacheKey.of("acme", AT, "q", List.of(), Map.of("1", 1L)).statementSha256();
        assertThat(positional).isNotEqualTo(named);
    }

    @Test
    void namedParameterOrderDoesNotMatterBecauseBindingIsByName() {
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("a", 1L);
        ab.put("b", 2L);
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("b", 2L);
        ba.put("a", 1L);
        assertThat(QueryCacheKey.of("acme", AT, "q", null, ab)).isEqualTo(QueryCacheKey.of("acme", AT, "q", null, ba));
    }

    @Test
    void keyStringNamesTenantPositionAndDigest() {
        QueryCacheKey key = QueryCacheKey.of("acme", AT, "select 1", List.of(), Map.of());
        assertThat(key.asString()).startsWith("acme:2:40:").hasSize("acme:2:40:".length() + 64);
    }

    @Test
    void unsupportedParameterTypesAndBadTenantsAreRefused() {
        assertThatThrownBy(() -> digest("q", List.of(new Object()))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueryCacheKey.of("../x", AT, "q", List.of(), Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    private static String digest(String sql, List<?> params) {
        return QueryCacheKey.digest(sql, params, Map.of());
    }
}
