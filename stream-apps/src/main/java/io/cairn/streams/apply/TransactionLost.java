package io.cairn.streams.apply;

/**
 * A record failed in a way that made SQLite roll back the tenant's whole open transaction (a write
 * interrupted by its work budget, or refused for space), not only the record's savepoint. Carries the
 * record's outcome (a verdict, or {@link Outcome.Deferred} when it only outgrew the quick budget); the
 * tenant's earlier records of the group must be applied again before it.
 */
final class TransactionLost extends Exception {
    private final Outcome outcome;

    TransactionLost(Outcome outcome) {
        super(outcome.toString(), null, false, false);
        this.outcome = outcome;
    }

    Outcome outcome() {
        return outcome;
    }
}
