package io.cairn.client;

import java.util.List;

/**
 * A write's answer: one result per statement, and the write's bookmark (a read carrying it sees the write).
 * {@code replayed}: the answer is the first outcome of an earlier request with the same Idempotency-Key.
 */
public record ExecuteResult(List<StatementResult> results, String bookmark, boolean replayed) {
    /** What one statement did: rows changed, the last inserted rowid, and rows it returned ({@code RETURNING}), if any. */
    public record StatementResult(long changes, long lastInsertRowid, List<String> columns, List<List<Object>> rows) {}

    /** Rows changed by all statements together. */
    public long changes() {
        return results.stream().mapToLong(StatementResult::changes).sum();
    }
}
