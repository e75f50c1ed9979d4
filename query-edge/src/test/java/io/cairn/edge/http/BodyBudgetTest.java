package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BodyBudgetTest {
    private static final long MIB = 1 << 20;

    @Test
    void aTenantPastItsShareIsRefused429WhileAnotherTenantIsNot() {
        BodyBudget budget = new BodyBudget(4 * MIB, 64 * MIB);
        List<BodyBudget.Hold> holds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            BodyBudget.Hold h = budget.open("flood");
            h.grow(MIB);
            holds.add(h);
        }
        BodyBudget.Hold fifth = budget.open("flood");
        assertThatThrownBy(() -> fifth.grow(1)).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS));
        budget.open("calm").grow(MIB);
        assertThat(budget.held("flood")).isEqualTo(4 * MIB);

        holds.getFirst().release();
        holds.getFirst().release(); // twice: given back once
        assertThat(budget.held("flood")).isEqualTo(3 * MIB);
        budget.open("flood").grow(MIB);
    }

    @Test
    void aBodyGrowsAsItIsReadAndIsGivenBackWhole() {
        BodyBudget budget = new BodyBudget(4 * MIB, 64 * MIB);
        BodyBudget.Hold h = budget.open("t");
        for (int i = 0; i < 4; i++) h.grow(MIB / 2);
        assertThat(budget.held("t")).isEqualTo(2 * MIB);
        assertThat(budget.largeHeld()).isEqualTo(2 * MIB);
        h.release();
        assertThat(budget.held("t")).isZero();
        assertThat(budget.largeHeld()).isZero();
        h.grow(MIB); // after release: nothing is counted any more
        assertThat(budget.held("t")).isZero();
    }

    @Test
    void theTotalRefusesOnlyLargeBodies503() {
        BodyBudget budget = new BodyBudget(4 * MIB, 2 * MIB);
        budget.open("a").grow(MIB);
        budget.open("b").grow(MIB);
        BodyBudget.Hold third = budget.open("c");
        assertThatThrownBy(() -> third.grow(MIB)).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(budget.held("c")).as("a refused body holds nothing").isZero();
        for (int i = 0; i < 60; i++) budget.open("c").grow(BodyBudget.SMALL); // small bodies pass whatever the total
        assertThat(budget.largeHeld()).isEqualTo(2 * MIB);
    }

    @Test
    void aRouteOfNoTenantCountsOnlyInTheTotal() {
        BodyBudget budget = new BodyBudget(MIB, 2 * MIB);
        budget.open(null).grow(MIB);
        budget.open(null).grow(MIB);
        assertThatThrownBy(() -> budget.open(null).grow(MIB)).isInstanceOf(ApiError.class);
    }

    @Test
    void concurrentHoldsNeverPassTheShareAndAllComeBack() throws Exception {
        BodyBudget budget = new BodyBudget(10 * BodyBudget.SMALL, 1L << 40);
        AtomicInteger over = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 20_000; i++) {
                    BodyBudget.Hold h = budget.open("t");
                    try {
                        h.grow(BodyBudget.SMALL / 2);
                        h.grow(BodyBudget.SMALL);
                        if (budget.held("t") > 10 * BodyBudget.SMALL) over.incrementAndGet();
                    } catch (ApiError refused) {
                        // past the share: the next one
                    } finally {
                        h.release();
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(over.get()).isZero();
        assertThat(budget.held("t")).isZero();
        assertThat(budget.largeHeld()).isZero();
    }
}
