package io.cairn.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The id rule, checked without a regex on every request, judges exactly as its documented pattern. */
class TenantIdTest {
    private static final Pattern RULE = Pattern.compile(TenantId.PATTERN);

    @Test
    void everyCharacterAtEveryPlaceIsJudgedAsThePatternJudgesIt() {
        for (char c = 0; c < 0x3000; c++) {
            for (String id : new String[] {c + "", c + "abc", "a" + c, "ab" + c + "c", "a".repeat(62) + c}) {
                assertThat(TenantId.isValid(id)).as("U+%04X in %s", (int) c, id).isEqualTo(RULE.matcher(id).matches());
            }
        }
    }

    @Test
    void lengthsAndRandomIdsAreJudgedAsThePatternJudgesThem() {
        for (int n = 0; n <= 70; n++) {
            String id = "a".repeat(n);
            assertThat(TenantId.isValid(id)).as("length %d", n).isEqualTo(n >= 1 && n <= 63);
        }
        Random random = new Random(53);
        String alphabet = "az09_-AZ.\u00e9/ ";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder id = new StringBuilder();
            for (int n = random.nextInt(66); n > 0; n--) id.append(alphabet.charAt(random.nextInt(alphabet.length())));
            assertThat(TenantId.isValid(id.toString())).as(id.toString()).isEqualTo(RULE.matcher(id).matches());
        }
        assertThat(TenantId.isValid(null)).isFalse();
    }

    @Test
    void anInvalidIdIsRefusedWithTheRule() {
        assertThatThrownBy(() -> TenantId.require("Acme")).hasMessageContaining("^[a-z0-9][a-z0-9_-]{0,62}$");
        assertThat(TenantId.require("acme-1")).isEqualTo("acme-1");
    }
}
