package io.cairn.edge.write;

import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Appends a command and waits for its outcome: the one place that knows the order "register the
 * waiter, then produce". Blocking; call it from a virtual thread. Thread-safe.
 */
public final class CommandGateway {
    /** What became of a command: its bookmark, and its outcome unless none arrived in time. */
    public record Submitted(Bookmark bookmark, CommandResult outcome) {
        public boolean timedOut() {
            return outcome == null;
        }
    }

    private final CommandLog log;
    private final OutcomeReader outcomes;
    private final TenantBacklog backlog;
    private final StorageGuard storage;

    /**
     * Every command counts against its tenant's {@code backlog} until its outcome is read, and is
     * refused while {@code storage} is nearly full.
     */
    public CommandGateway(CommandLog log, OutcomeReader outcomes, TenantBacklog backlog, StorageGuard storage) {
        this.log = log;
        this.outcomes = outcomes;
        this.backlog = backlog;
        this.storage = storage;
    }

    /** True when both the producer and the outcome reader are ready. */
    public boolean ready() {
        return log.ready() && outcomes.ready();
    }

    /** Appends without waiting for the outcome; returns once Kafka acknowledged. */
    public Bookmark append(TenantCommand command, Duration timeout) throws InterruptedException {
        return awaitAck(command, timeout);
    }

    /**
     * Appends and waits up to {@code timeout} (from now) for the outcome. Throws
     * {@link LogUnavailableException} when the command is not known to be in the log.
     */
    public Submitted submit(TenantCommand command, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<CommandResult> outcome = outcomes.expect(command.getCommandId());
        try {
            Bookmark bookmark = awaitAck(command, timeout);
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                return new Submitted(bookmark, outcome.get(left, TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                return new Submitted(bookmark, null);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        } finally {
            outcomes.forget(command.getCommandId());
        }
    }

    /** Appends {@code command} (counted in its tenant's backlog) and waits for Kafka's acknowledgement. */
    private Bookmark awaitAck(TenantCommand command, Duration timeout) throws InterruptedException {
        storage.requireSpace();
        backlog.admit(command.getTenant(), command.getCommandId());
        try {
            return log.append(command).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            backlog.done(command.getTenant(), command.getCommandId());
            if (e.getCause() instanceof LogUnavailableException u) throw u;
            throw new LogUnavailableException(e.getCause());
        } catch (TimeoutException e) {
            backlog.done(command.getTenant(), command.getCommandId());
            throw new LogUnavailableException(e);
        }
    }
}
