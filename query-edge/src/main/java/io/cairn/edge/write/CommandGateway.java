package io.cairn.edge.write;

import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.seal.DataKey;
import io.cairn.topics.seal.Sealing;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Appends a command and waits for its outcome: the one place that knows the order "register the
 * waiter, then produce". Blocking; call it from a virtual thread. Thread-safe.
 *
 * <p>With tenants' data keys, it is also where tenant data is sealed on its way to the log and opened on
 * its way back: a new tenant gets its data key (stored in the vault before the CreateTenant is
 * produced; destroyed again when the create is refused), a write is sealed with the key the tenant's
 * applied state names (the vault's newest only before the edge has a state), an outcome is opened, and a
 * deleted tenant's keys are forgotten here.
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
    private final TenantKeys keys;
    private final java.util.function.Function<String, String> confirmedKeys;

    /** Each tenant's share of the log at this edge ({@link OutcomeReader#logRate}). */
    public TenantLogRate logRate() {
        return outcomes.logRate();
    }

    /**
     * Every command counts against its tenant's {@code backlog} until its outcome is read, and is
     * refused while {@code storage} is nearly full.
     */
    public CommandGateway(CommandLog log, OutcomeReader outcomes, TenantBacklog backlog, StorageGuard storage) {
        this(log, outcomes, backlog, storage, null);
    }

    /** As above, sealing tenant data with {@code keys} (null: no encryption). */
    public CommandGateway(CommandLog log, OutcomeReader outcomes, TenantBacklog backlog, StorageGuard storage, TenantKeys keys) {
        this(log, outcomes, backlog, storage, keys, tenant -> null);
    }

    /**
     * As above; {@code confirmedKeys} gives the data key a tenant's applied state names (null when unknown), which
     * seals its writes. The vault's newest key of a tenant may be one a create running at that moment made and
     * will destroy when it is refused (a duplicate create, two imports creating one tenant): a write sealed
     * with it would be erased with it, even after it was applied and acknowledged.
     */
    public CommandGateway(CommandLog log, OutcomeReader outcomes, TenantBacklog backlog, StorageGuard storage, TenantKeys keys,
            java.util.function.Function<String, String> confirmedKeys) {
        this.confirmedKeys = confirmedKeys;
        this.keys = keys;
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
        return awaitAck(sealed(command), timeout);
    }

    /**
     * Appends without waiting for anything: the future completes with the record's place once Kafka acknowledged it,
     * or exceptionally with {@link LogUnavailableException}. Throws at once what {@link #append} throws before
     * sending (a full volume, the tenant's backlog full), so many commands can be in flight from one thread.
     */
    public CompletableFuture<Bookmark> appendAsync(TenantCommand command) {
        TenantCommand sent = sealed(command);
        admit(sent);
        try {
            return log.append(sent).whenComplete((b, e) -> {
                if (e != null) backlog.done(sent.getTenant(), sent.getCommandId());
            });
        } catch (RuntimeException e) { // refused before it was sent (a standby region's edge)
            backlog.done(sent.getTenant(), sent.getCommandId());
            throw e;
        }
    }

    /**
     * Appends and waits up to {@code timeout} (from now) for the outcome. Throws
     * {@link LogUnavailableException} when the command is not known to be in the log.
     */
    public Submitted submit(TenantCommand command, Duration timeout) throws InterruptedException {
        return await(send(command, timeout));
    }

    /**
     * A command in the log whose outcome this edge expects: what {@link #await} needs and nothing of the
     * command's content, so a write waiting for its outcome does not keep its statements in memory.
     */
    public static final class Pending {
        private final String commandId;
        private final String tenant;
        private final Bookmark bookmark;
        private final CompletableFuture<CommandResult> outcome;
        private final long deadlineNanos;
        private final String newKeyId; // a create's new data key, destroyed when the create is refused
        private final boolean delete;

        private Pending(TenantCommand sent, Bookmark bookmark, CompletableFuture<CommandResult> outcome, long deadlineNanos) {
            this.commandId = sent.getCommandId();
            this.tenant = sent.getTenant();
            this.bookmark = bookmark;
            this.outcome = outcome;
            this.deadlineNanos = deadlineNanos;
            this.newKeyId = newKeyId(sent);
            this.delete = sent.getPayload() instanceof DeleteTenant;
        }

        /** Where the command is in the log. */
        public Bookmark bookmark() {
            return bookmark;
        }
    }

    /**
     * Appends {@code command} and returns once Kafka acknowledged it, expecting its outcome until
     * {@code timeout} from now: pass the result to {@link #await}, which every call must be followed by.
     * Throws {@link LogUnavailableException} when the command is not known to be in the log.
     */
    public Pending send(TenantCommand command, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        TenantCommand sent = sealed(command);
        CompletableFuture<CommandResult> outcome = outcomes.expect(command.getCommandId());
        boolean inLog = false;
        try {
            Bookmark bookmark;
            try {
                bookmark = awaitAck(sent, timeout);
            } catch (LogUnavailableException e) {
                forgetNewKey(sent.getTenant(), newKeyId(sent));
                throw e;
            }
            inLog = true;
            return new Pending(sent, bookmark, outcome, deadline);
        } finally {
            if (!inLog) outcomes.forget(command.getCommandId());
        }
    }

    /** Waits for the outcome of a command {@link #send} appended, until the deadline it was sent with. */
    public Submitted await(Pending pending) throws InterruptedException {
        try {
            long left = Math.max(0, pending.deadlineNanos - System.nanoTime());
            CommandResult result = opened(pending.outcome.get(left, TimeUnit.NANOSECONDS));
            afterOutcome(pending, result);
            return new Submitted(pending.bookmark, result);
        } catch (TimeoutException e) {
            return new Submitted(pending.bookmark, null);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            outcomes.forget(pending.commandId);
        }
    }

    /** {@code command} as it goes to the log: a new tenant's data key made, a write sealed. */
    private TenantCommand sealed(TenantCommand command) {
        if (keys == null) return command;
        if (command.getPayload() instanceof CreateTenant c && c.getDataKeyId() == null) {
            DataKey key = keys.create(command.getTenant());
            return TenantCommand.newBuilder(command).setPayload(CreateTenant.newBuilder(c).setDataKeyId(key.id()).build()).build();
        }
        if (command.getPayload() instanceof ExecuteBatch) {
            DataKey key = sealingKey(command.getTenant());
            return key == null ? command : Sealing.seal(command, key); // a tenant made before encryption was on stays clear
        }
        return command;
    }

    /** The key the tenant's applied state names; the vault's newest only while the edge has no state naming one (just created). */
    private DataKey sealingKey(String tenant) {
        String confirmed = confirmedKeys.apply(tenant);
        if (confirmed != null) {
            try {
                return keys.key(tenant, confirmed);
            } catch (io.cairn.topics.seal.KeyErasedException e) {
                // the state is of an earlier life of this id (deleted since): the newest key is the new life's
            }
        }
        return keys.current(tenant);
    }

    private CommandResult opened(CommandResult result) {
        return keys == null ? result : Sealing.open(result, keys);
    }

    /** A refused create destroys the key made for it; a delete's keys are forgotten (the applier destroyed them). */
    private void afterOutcome(Pending sent, CommandResult result) {
        if (keys == null) return;
        if (sent.newKeyId != null && !result.getOk()) forgetNewKey(sent.tenant, sent.newKeyId);
        if (sent.delete && result.getOk()) keys.forget(sent.tenant);
    }

    private static String newKeyId(TenantCommand sent) {
        return sent.getPayload() instanceof CreateTenant c ? c.getDataKeyId() : null;
    }

    private void forgetNewKey(String tenant, String keyId) {
        if (keys != null && keyId != null) keys.destroy(tenant, java.util.List.of(keyId));
    }

    /** Refuses {@code command} when the volume is full or its tenant's backlog is; else counts it in the backlog. */
    private void admit(TenantCommand command) {
        // A delete frees space: an operator must be able to drop the tenant that filled the volume while writes are refused.
        if (!(command.getPayload() instanceof DeleteTenant)) storage.requireSpace();
        backlog.admit(command.getTenant(), command.getCommandId());
    }

    /** Appends {@code command} (counted in its tenant's backlog) and waits for Kafka's acknowledgement. */
    private Bookmark awaitAck(TenantCommand command, Duration timeout) throws InterruptedException {
        admit(command);
        try {
            return log.append(command).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            backlog.done(command.getTenant(), command.getCommandId());
            if (e.getCause() instanceof LogUnavailableException u) throw u;
            throw new LogUnavailableException(e.getCause());
        } catch (TimeoutException e) {
            backlog.done(command.getTenant(), command.getCommandId());
            throw new LogUnavailableException(e);
        } catch (RuntimeException e) { // refused before it was sent (a standby region's edge)
            backlog.done(command.getTenant(), command.getCommandId());
            throw e;
        }
    }
}
