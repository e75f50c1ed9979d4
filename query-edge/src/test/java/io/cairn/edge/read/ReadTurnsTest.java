package io.cairn.edge.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A tenant runs a few pieces of work at a time while the others' work runs beside it; one that waits too
 * long for a turn is refused; results and failures come back as they were; work calling for more work
 * runs in its turn.
 */
class ReadTurnsTest {
    private final ReadTurns turns = new ReadTurns(2, Duration.ofMillis(300));

    @Test
    void aTenantRunsAtMostItsShareAtOnceWhileAnotherTenantRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch twoRunning = new CountDownLatch(2);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Thread> greedy = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            greedy.add(Thread.ofVirtual().start(() -> {
                try {
                    turns.call("greedy", () -> {
                        most.accumulateAndGet(running.incrementAndGet(), Math::max);
                        twoRunning.countDown();
                        release.await();
                        running.decrementAndGet();
                        return null;
                    });
                } catch (Exception e) {
                    // refused after the turn wait while its own work holds both turns: expected for some
                }
            }));
        }
        assertThat(twoRunning.await(10, TimeUnit.SECONDS)).isTrue();
        // The greedy tenant holds its two turns and four more of its requests wait: another tenant still runs at once.
        assertThat(turns.call("other", () -> "served")).isEqualTo("served");
        release.countDown();
        for (Thread t : greedy) t.join();
        assertThat(most.get()).as("greedy's work running at once").isEqualTo(2);
        assertThat(turns.tenantsBusy()).isZero();
    }

    @Test
    void aTenantWaitingPastTheTurnWaitIsRefusedWithTooManyRequests() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(2);
        List<Thread> holders = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            holders.add(Thread.ofVirtual().start(() -> {
                try {
                    turns.call("busy", () -> {
                        held.countDown();
                        release.await();
                        return null;
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> turns.call("busy", () -> null)).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS));
        release.countDown();
        for (Thread t : holders) t.join();
        assertThat(turns.call("busy", () -> 7)).isEqualTo(7);
    }

    @Test
    void workCallingForMoreWorkRunsInItsTurn() throws Exception {
        ReadTurns one = new ReadTurns(1, Duration.ofMillis(300));
        // One turn: were the inner call to wait for a turn of its own, it would wait for its caller and be refused.
        assertThat(one.call("t", () -> one.call("t", () -> "in its turn"))).isEqualTo("in its turn");
    }

    @Test
    void whatTheWorkThrowsComesBackUnchanged() {
        ApiError refusal = new ApiError(ErrorCode.SQL_ERROR, "no such table: t");
        assertThatThrownBy(() -> turns.call("t", () -> {
            throw refusal;
        })).isSameAs(refusal);
        java.io.IOException disk = new java.io.IOException("disk");
        assertThatThrownBy(() -> turns.call("t", () -> {
            throw disk;
        })).isSameAs(disk);
        assertThat(turns.tenantsBusy()).isZero();
    }

    /**
     * Two tenants each taking their half held every carrier: the others waited. With the process's turns counted, a tenant
     * that holds some may not take the reserve, which stays for tenants that hold none.
     */
    @Test
    void twoGreedyTenantsLeaveTheReserveToTenantsThatHoldNone() throws Exception {
        ReadTurns eight = new ReadTurns(4, Duration.ofSeconds(5), 8, 2);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Thread> greedy = new ArrayList<>();
        for (String tenant : List.of("a", "b")) {
            for (int i = 0; i < 8; i++) {
                greedy.add(Thread.ofVirtual().start(() -> {
                    try {
                        eight.call(tenant, () -> {
                            most.accumulateAndGet(running.incrementAndGet(), Math::max);
                            release.await();
                            running.decrementAndGet();
                            return null;
                        });
                    } catch (Exception e) {
                        // some wait past the turn wait: expected
                    }
                }));
            }
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> running.get() == 6);
        // Both greedy tenants hold six turns between them and want more; two others are served at once, side by side.
        CountDownLatch bothIn = new CountDownLatch(2);
        List<Thread> others = new ArrayList<>();
        for (String tenant : List.of("c", "d")) {
            others.add(Thread.ofVirtual().start(() -> {
                try {
                    eight.call(tenant, () -> {
                        bothIn.countDown();
                        bothIn.await();
                        return null;
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        assertThat(bothIn.await(10, TimeUnit.SECONDS)).as("the reserve served the tenants holding none").isTrue();
        for (Thread t : others) t.join();
        release.countDown();
        for (Thread t : greedy) t.join();
        assertThat(most.get()).as("the greedy tenants' work running at once").isEqualTo(6);
        assertThat(eight.tenantsBusy()).isZero();
    }
}
