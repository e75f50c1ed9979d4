package io.cairn.streams.apply;

import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.TenantState;

/**
 * One record the applier forwards to an output topic, keyed by tenant: an outcome, a state (null: the
 * tombstone of a deleted tenant) or a dead letter. Queued after a commit, forwarded by the stream
 * thread, in the order queued.
 */
record Emission(String sink, String tenant, Object value) {
    static Emission result(CommandResult r) {
        return new Emission(ApplyProcessor.RESULTS_SINK, r.getTenant(), r);
    }

    static Emission state(TenantState s) {
        return new Emission(ApplyProcessor.STATE_SINK, s.getTenant(), s);
    }

    static Emission tombstone(String tenant) {
        return new Emission(ApplyProcessor.STATE_SINK, tenant, null);
    }

    static Emission deadLetter(DeadLetter d) {
        return new Emission(ApplyProcessor.DEAD_LETTER_SINK, d.getTenant(), d);
    }

    /**
     * What a group commit produced, in order: states, then outcomes. The heavy lane's outbox may be drained
     * between two of them, and whoever is told a record's outcome should find the state it made already out.
     */
    static void addAll(java.util.List<Emission> to, GroupCommit.Emitted emitted) {
        emitted.states().forEach(s -> to.add(state(s)));
        emitted.results().forEach(r -> to.add(result(r)));
    }
}
