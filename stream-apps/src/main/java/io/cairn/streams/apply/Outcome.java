package io.cairn.streams.apply;

import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.StatementResult;
import java.util.List;

/** What applying one command did: applied with per-statement results, failed with a stable code, or skipped. */
sealed interface Outcome {
    /** The command took effect; {@code results} has one entry per statement (empty for admin commands). */
    record Applied(List<StatementResult> results) implements Outcome {}

    /**
     * The command had no effect on the tenant's data (its position still advances, so it is not retried).
     *
     * @param statement index of the failing statement, or null
     */
    record Failed(ErrorCode code, String message, Integer statement) implements Outcome {}

    /**
     * A write whose Idempotency-Key was seen before: nothing was applied again, and {@code first} is
     * the outcome the first one had (Applied or Failed).
     */
    record Replayed(Outcome first) implements Outcome {}

    /** The record was applied before (a redelivery after a crash): nothing is done and nothing is emitted. */
    record Skipped() implements Outcome {}

    Outcome SKIPPED = new Skipped();

    static Outcome failed(ErrorCode code, String message) {
        return new Failed(code, message, null);
    }
}
