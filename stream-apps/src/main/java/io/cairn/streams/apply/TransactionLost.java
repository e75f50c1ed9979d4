package io.cairn.streams.apply;

/**
 * A record failed in a way that made SQLite roll back the tenant's whole open transaction (a write
 * interrupted by its work budget, or refused for space), not only the record's savepoint. Carries the
 * record's verdict; the tenant's earlier records of the group must be applied again before it.
 */
final class TransactionLost extends Exception {
    private final Outcome.Failed verdict;

    TransactionLost(Outcome.Failed verdict) {
        super(verdict.code() + ": " + verdict.message(), null, false, false);
        this.verdict = verdict;
    }

    Outcome.Failed verdict() {
        return verdict;
    }
}
