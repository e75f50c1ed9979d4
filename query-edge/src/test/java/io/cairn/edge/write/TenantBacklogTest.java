package io.cairn.edge.write;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TenantBacklogTest {
    @Test
    void aTenantPastItsBoundIsRefusedUntilOutcomesArriveWhileOthersAreNot() {
        TenantBacklog backlog = new TenantBacklog(2, Duration.ofMinutes(5));
        backlog.admit("acme", "c1");
        backlog.admit("acme", "c2");

        assertThatThrownBy(() -> backlog.admit("acme", "c3")).isInstanceOf(TenantBacklog.BacklogFullException.class);
        assertThatCode(() -> backlog.admit("bob", "b1")).doesNotThrowAnyException();
        backlog.done("acme", "c1");
        assertThatCode(() -> backlog.admit("acme", "c3")).doesNotThrowAnyException();
    }

    @Test
    void entriesWhoseOutcomeWasMissedAreForgottenAfterAWhile() {
        TenantBacklog backlog = new TenantBacklog(1, Duration.ofNanos(1));
        backlog.admit("acme", "lost");

        assertThatCode(() -> backlog.admit("acme", "next")).doesNotThrowAnyException();
    }
}
