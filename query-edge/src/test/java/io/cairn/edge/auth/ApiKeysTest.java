package io.cairn.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    @Test
    void generatedKeysHaveTheDocumentedShapeAndParseBack() {
        ApiKeys.NewKey k = ApiKeys.generate();
        assertThat(k.token()).matches("cairn_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
        ApiKeys.PresentedKey p = ApiKeys.parse(k.token()).orElseThrow();
        assertThat(p.keyId()).isEqualTo(k.keyId());
        assertThat(ApiKeys.matches(p.secret(), k.secretSha256())).isTrue();
        assertThat(k.secretSha256()).matches("[0-9a-f]{64}");
    }

    @Test
    void storedHashIsNotTheSecretAndAWrongSecretDoesNotMatch() {
        ApiKeys.NewKey k = ApiKeys.generate();
        String secret = ApiKeys.parse(k.token()).orElseThrow().secret();
        assertThat(k.secretSha256()).doesNotContain(secret);
        String other = ApiKeys.parse(ApiKeys.generate().token()).orElseThrow().secret();
        assertThat(ApiKeys.matches(other, k.secretSha256())).isFalse();
        assertThat(ApiKeys.matches(secret, "not-hex")).isFalse();
        assertThat(k.toString()).doesNotContain(secret);
    }

    @Test
    void malformedTokensDoNotParse() {
        String good = ApiKeys.generate().token();
        assertThat(ApiKeys.parse(null)).isEmpty();
        assertThat(ApiKeys.parse("")).isEmpty();
        assertThat(ApiKeys.parse(good.substring(1))).isEmpty();
        assertThat(ApiKeys.parse(good.replace("cairn_", "CAIRN_"))).isEmpty();
        assertThat(ApiKeys.parse(good.substring(0, 10) + "G" + good.substring(11))).isEmpty();
        assertThat(ApiKeys.parse(good + "x")).isEmpty();
        int secretAt = good.length() - 43;
        for (String wrong : new String[] {"+", "/", "=", ".", " ", "\u00e9"}) {
            assertThat(ApiKeys.parse(good.substring(0, secretAt + 5) + wrong + good.substring(secretAt + 6))).as(wrong).isEmpty();
        }
        assertThat(ApiKeys.parse(good.substring(0, 6) + "A" + good.substring(7))).as("upper-case key id").isEmpty();
        assertThat(ApiKeys.isKeyId("0123456789abcdef")).isTrue();
        assertThat(ApiKeys.isKeyId("0123456789abcdeg")).isFalse();
        assertThat(ApiKeys.isKeyId("0123456789abcde")).isFalse();
        assertThat(ApiKeys.isKeyId(null)).isFalse();
    }

    @Test
    void keyIdsAreUnique() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) ids.add(ApiKeys.generate().keyId());
        assertThat(ids).hasSize(1000);
    }

    @Test
    void secretEqualityWorksForAnyLength() {
        assertThat(ApiKeys.secretEquals("admin-token-123456", "admin-token-123456")).isTrue();
        assertThat(ApiKeys.secretEquals("admin-token-123456", "admin-token-12345")).isFalse();
        assertThat(ApiKeys.secretEquals("", "x")).isFalse();
    }
}
