package io.cairn.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RowTest {
    @Test
    void aBoundOfTheValueJudgesTheValue() {
        assertTrue(Row.cairn("s", "tenants/s", 3_000, "tenants/s").atLeast(3_000).met());
        assertFalse(Row.cairn("s", "tenants/s", 2_999, "tenants/s").atLeast(3_000).met());
        assertTrue(Row.cairn("s", "p99", 20, "ms").atMost(20).met());
        assertFalse(Row.cairn("s", "p99", 20.1, "ms").vs("ceiling", 100).atMost(20).met());
        assertEquals(">= 3,000 tenants/s", Row.cairn("s", "m", 1, "tenants/s").atLeast(3_000).target().render("tenants/s"));
    }

    @Test
    void aBoundOfTheCeilingJudgesTheRatioToIt() {
        Row read = Row.cairn("hot read", "throughput", 8_600, "req/s").vs("HTTP floor req/s", 10_000);
        assertTrue(read.atLeastOfCeiling(0.85).met());
        assertFalse(read.atLeastOfCeiling(0.9).met());
        Row p50 = Row.cairn("single write", "p50", 2.9, "ms").vs("Kafka ack p50", 1.0);
        assertFalse(p50.atMostTimesCeiling(2).met(), "2.9x the ceiling is past 2x, however small 2.9 ms is");
        assertTrue(p50.atMostTimesCeiling(3).met());
        assertEquals("<= 2.00× the ceiling", p50.atMostTimesCeiling(2).target().render("ms"));
        assertEquals(">= 0.85× the ceiling", read.atLeastOfCeiling(0.85).target().render("req/s"));
    }

    @Test
    void aBoundOfACeilingNotMeasuredIsNotMet() {
        assertFalse(Row.cairn("s", "m", 1, "ms").atMostTimesCeiling(2).met());
        assertFalse(Row.cairn("s", "m", 1, "ms").vs("zero", 0).atLeastOfCeiling(0.5).met());
        assertNull(Row.cairn("s", "m", 1, "ms").met());
    }
}
