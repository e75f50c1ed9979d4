package io.cairn.streams.apply;

import io.cairn.topics.avro.CommandResult;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a listener in this process (the node's own edge) of each outcome the primary applier publishes, as soon as its
 * group is committed to the tenant's file and just before its record goes to {@code cairn.tenant-results}. An edge in the
 * same process can answer the write then, without the outcome's round trip through the broker (its produce, and the
 * edge's fetch of it); every other edge still reads it from the topic, and so does this one (which is where its
 * tenant's backlog of waiting writes is settled).
 *
 * <p>Safe to answer from: the command's record is in the log (its produce was acknowledged before anyone waits for
 * the outcome) and the file holds its effect (committed, so a read with the write's bookmark sees it at once). A power
 * cut before the file is synced loses nothing: the log's offset is committed only after the sync, so the record is
 * applied again, to the same result. Outcomes are told in the order they go to the topic, on the stream thread: the
 * listener must not block. It may be told of outcomes nobody here waits for (another edge's writes, redeliveries).
 * Thread-safe.
 */
public final class LocalOutcomes {
    private static final Logger log = LoggerFactory.getLogger(LocalOutcomes.class);

    private volatile Consumer<CommandResult> listener = r -> { };

    /** From now on, each committed outcome goes to {@code to} as well (replacing any listener before). */
    public void tell(Consumer<CommandResult> to) {
        listener = to;
    }

    /** Called by the applier as it publishes {@code outcome}; a listener's failure never reaches the applier. */
    void committed(CommandResult outcome) {
        try {
            listener.accept(outcome);
        } catch (RuntimeException e) {
            log.warn("the listener of committed outcomes failed (its edge reads the outcome from the log instead)", e);
        }
    }
}
