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
     * @param raised the message is a trigger's RAISE, text the tenant's own SQL made from its data (the edge
     *     withholds it from a key without the read scope)
     * @param sqliteCode for {@code sql_error}, SQLite's extended result code by name ({@code SQLITE_CONSTRAINT_UNIQUE}); else null
     */
    record Failed(ErrorCode code, String message, Integer statement, boolean raised, String sqliteCode) implements Outcome {
        Failed(ErrorCode code, String message, Integer statement) {
            this(code, message, statement, false, null);
        }
    }

    /**
     * A write whose Idempotency-Key was seen before: nothing was applied again, and {@code first} is
     * the outcome the first one had (Applied or Failed).
     */
    record Replayed(Outcome first) implements Outcome {}

    /**
     * The record was applied before (a redelivery after a crash): nothing is done again. A redelivered
     * write's outcome goes out again beside it ({@link RecordApplier}).
     */
    record Skipped() implements Outcome {}

    /**
     * The record needs more than the quick budget the shared stream thread grants: nothing of it was
     * applied and its position did not move; the heavy lane runs it with the full budget ({@link HeavyLane}).
     * Not a verdict: the full budget alone decides success or failure, here and in every replay.
     */
    record Deferred() implements Outcome {}

    Outcome SKIPPED = new Skipped();
    Outcome DEFERRED = new Deferred();

    static Outcome failed(ErrorCode code, String message) {
        return new Failed(code, message, null);
    }
}
