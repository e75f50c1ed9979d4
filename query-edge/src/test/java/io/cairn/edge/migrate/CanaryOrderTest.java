package io.cairn.edge.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CanaryOrderTest {
    @Test
    void hotTenantsComeFirstAndEachPartKeepsItsOrder() {
        Set<String> cold = Set.of("a1", "a2", "a5");
        assertThat(CanaryOrder.hotFirst(List.of("a1", "a2", "b", "a5", "c", "d"), cold::contains))
                .containsExactly("b", "c", "d", "a1", "a2", "a5");
        assertThat(CanaryOrder.hotFirst(List.of("a1", "a2"), cold::contains)).as("all cold: as given").containsExactly("a1", "a2");
    }
}
