package io.cairn.edge.http;

import io.cairn.edge.directory.TenantDirectory;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.read.ReadPool;
import io.cairn.edge.read.TenantFileDamaged;
import io.cairn.edge.write.CommandGateway;
import io.cairn.edge.write.Commands;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the edge does with a tenant file it must not serve (damaged, or missing though the tenant
 * exists): it asks the applier, through the tenant's own log, to check the file again and rebuild it
 * ({@code RepairTenant}; one request per tenant at a time), waits for the directory to show the repair
 * applied, and serves from the rebuilt file. Never wrong rows, never a 4xx that blames the client:
 * until the file is rebuilt, 503 {@code tenant_recovering}. A cold tenant's missing file is expected:
 * the edge asks for a {@code Thaw} instead, and waits at least {@link #THAW_WAIT} for it. Thread-safe.
 */
public final class TenantRepairs {
    /** Something to read again once the tenant's file is rebuilt. */
    interface Read<T> {
        T run() throws InterruptedException;
    }

    /**
     * The same read served from a cold tenant's snapshot at an offset (its SHA-256 as the log recorded it);
     * null when it cannot be (the tenant is thawed instead).
     */
    interface ColdRead<T> {
        /**
         * {@code coldUpTo}: the tenant's last record as the directory shows it cold; the records between the snapshot
         * and it changed no data (a freeze, a snapshot asked), so the snapshot is the tenant's content at it too.
         */
        T run(long snapshotOffset, String sha256, long coldUpTo) throws InterruptedException;
    }

    private static final Logger log = LoggerFactory.getLogger(TenantRepairs.class);
    /** How long a read of a cold tenant waits for its thaw at least, whatever its own timeout. */
    static final Duration THAW_WAIT = Duration.ofSeconds(30);
    /** How long a read that found its file missing waits for the directory to say why (a delete, a freeze) before it repairs. */
    static final Duration EXPLAIN_WAIT = Duration.ofSeconds(2);

    private final CommandGateway gateway;
    private final TenantDirectory directory;
    private final ReadPool pool;
    private final EdgeMetrics metrics;
    private final Duration appendTimeout;
    private final java.util.function.Predicate<TenantState> snapshotBehind;
    private final Map<String, Bookmark> pending = new ConcurrentHashMap<>();

    /**
     * {@code snapshotBehind}: true for a cold tenant whose snapshot no longer shows what its next read
     * must see (a migration waits in its cold tail): such a read thaws it instead.
     */
    public static TenantRepairs create(CommandGateway gateway, TenantDirectory directory, ReadPool pool, EdgeMetrics metrics,
            Duration appendTimeout, java.util.function.Predicate<TenantState> snapshotBehind) {
        return new TenantRepairs(gateway, directory, pool, metrics, appendTimeout, snapshotBehind);
    }

    private TenantRepairs(CommandGateway gateway, TenantDirectory directory, ReadPool pool, EdgeMetrics metrics, Duration appendTimeout,
            java.util.function.Predicate<TenantState> snapshotBehind) {
        this.snapshotBehind = snapshotBehind;
        this.gateway = gateway;
        this.directory = directory;
        this.pool = pool;
        this.metrics = metrics;
        this.appendTimeout = appendTimeout;
    }

    /**
     * Runs {@code read}; when the tenant's file turns out damaged or missing, has it repaired and runs
     * {@code read} once more within {@code wait}, else answers 503 {@code tenant_recovering}.
     */
    <T> T read(String tenant, Duration wait, Read<T> read) throws InterruptedException {
        return read(tenant, wait, read, null);
    }

    /**
     * As {@link #read(String, Duration, Read)}; a cold tenant's read is first offered to {@code fromSnapshot}
     * (null: none), and thawed only when that cannot serve it.
     */
    <T> T read(String tenant, Duration wait, Read<T> read, ColdRead<T> fromSnapshot) throws InterruptedException {
        try {
            return read.run();
        } catch (TenantFileDamaged damaged) {
            TenantState st = null;
            if (damaged.missing()) {
                TenantState seen = directory.tenant(tenant).orElse(null);
                st = explained(tenant, seen, wait);
                if (st == null) throw gone();
                if (st != seen && st.getTier() != Tier.COLD) {
                    try {
                        return read.run(); // the newer state had the file made again (a thaw, a create)
                    } catch (TenantFileDamaged stillMissing) {
                        // a damage after all
                    }
                }
            }
            boolean cold = st != null && st.getTier() == Tier.COLD; // no file is expected: not a damage
            if (cold && fromSnapshot != null && st.getSnapshot() != null && !snapshotBehind.test(st)) {
                try {
                    T served = fromSnapshot.run(st.getSnapshot().getOffset(), st.getSnapshot().getSha256(), st.getAppliedOffset());
                    if (served != null) {
                        metrics.coldRead();
                        return served;
                    }
                } catch (TenantFileDamaged gone) {
                    // The local copy was dropped meanwhile: thaw instead.
                }
            }
            if (cold) {
                if (!thawed(tenant, wait.compareTo(THAW_WAIT) > 0 ? wait : THAW_WAIT)) throw thawing();
            } else {
                metrics.damagedFile();
                if (!repaired(tenant, damaged.getMessage(), damaged.missing(), wait)) throw recovering();
            }
            try {
                return read.run();
            } catch (TenantFileDamaged again) {
                metrics.damagedFile();
                throw recovering();
            }
        }
    }

    /** True for a cold tenant whose snapshot is not its content any more (a migration waits in its cold tail). */
    boolean snapshotBehind(TenantState st) {
        return snapshotBehind.test(st);
    }

    /**
     * The tenant's state that explains its missing file: a read that began before the applier deleted or froze the
     * tenant finds the file gone before this edge's directory shows why. So unless the state already says cold, it
     * waits up to {@link #EXPLAIN_WAIT} (within {@code wait}) for the directory to move on from {@code seen}; null
     * when the tenant is gone. Only a file missing under an unchanged hot state is a damage.
     */
    TenantState explained(String tenant, TenantState seen, Duration wait) throws InterruptedException {
        if (seen == null || seen.getTier() == Tier.COLD) return seen;
        directory.awaitOther(tenant, seen, wait.compareTo(EXPLAIN_WAIT) < 0 ? wait : EXPLAIN_WAIT);
        return directory.tenant(tenant).orElse(null);
    }

    /** Asks for the repair (unless one is under way) and waits up to {@code wait} for the directory to show it applied. */
    private boolean repaired(String tenant, String problem, boolean missing, Duration wait) throws InterruptedException {
        return applied(tenant, wait, () -> {
            if (missing) {
                // Most often a delete or a freeze the directory had not shown within EXPLAIN_WAIT (a busy applier): the
                // applier, which knows, rebuilds the file only if the tenant should have one.
                log.warn("{} and no delete or freeze explains it yet; asking the applier to check it (rebuilt from the log if lost)", problem);
            } else {
                log.error("{}; asking the applier to rebuild it from the log", problem);
            }
            metrics.repairRequested();
            return Commands.repair(tenant, problem);
        });
    }

    /**
     * After a replica served a read of {@code state}'s tenant: when the primary holds it cold while a run waits
     * on it (the run's records in its cold tail), asks for its thaw as a read of the primary would, without waiting
     * for it. The replica applied the run already, so the reader saw the new schema, but the primary thaws only when
     * asked, so the run waited for good.
     */
    void thawIfARunWaits(TenantState state) {
        if (state == null || state.getTier() != Tier.COLD || !snapshotBehind.test(state)) return;
        try {
            thawed(state.getTenant(), Duration.ZERO);
        } catch (RuntimeException e) {
            log.warn("tenant {}: could not ask for the thaw a fleet run waits on ({}); the next read asks again", state.getTenant(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks for the cold tenant's thaw (unless one is under way): one download however many readers wait. */
    private boolean thawed(String tenant, Duration wait) throws InterruptedException {
        return applied(tenant, wait, () -> {
            metrics.thawRequested();
            return Commands.thaw(tenant);
        });
    }

    private boolean applied(String tenant, Duration wait, Supplier<TenantCommand> request) throws InterruptedException {
        Bookmark at = pending.get(tenant);
        if (at == null) {
            synchronized (this) {
                at = pending.get(tenant);
                if (at == null) {
                    at = gateway.append(request.get(), appendTimeout);
                    pending.put(tenant, at);
                }
            }
        }
        if (!directory.awaitApplied(tenant, at.offset(), wait)) return false;
        pending.remove(tenant, at);
        pool.distrust(tenant); // the rebuilt file is a new one: checked again before it is served
        return true;
    }

    static ApiError gone() {
        return new ApiError(ErrorCode.TENANT_NOT_FOUND, "no such tenant: it was deleted while this request ran");
    }

    private static ApiError thawing() {
        return new ApiError(ErrorCode.TENANT_RECOVERING,
                "the tenant is cold and its database is being restored from its snapshot; retry shortly");
    }

    private static ApiError recovering() {
        return new ApiError(ErrorCode.TENANT_RECOVERING,
                "the tenant's database file failed its check and is being rebuilt from the log; retry shortly");
    }
}
