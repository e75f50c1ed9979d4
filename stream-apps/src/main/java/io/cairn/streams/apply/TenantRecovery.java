package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.ConsistentCopy;
import io.cairn.tenantdb.sqlite.IntegrityCheck;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.Bookmark;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heals a tenant before the applier opens it: when its file is missing though the log says the tenant
 * exists ({@link TenantRegistry}), or when the file fails {@code PRAGMA quick_check} the first time this
 * applier instance opens it, the tenant is rebuilt from the log up to (not including) the record about
 * to be applied, in a scratch directory, and moved into place; a corrupt file is kept aside in
 * {@code <hot>/quarantine}. Each rebuild is logged and counted in {@code cairn.applier.rebuilds}.
 *
 * <p>The bound of the rebuild is the record's offset, which only the caller knows: that is why this
 * runs from {@link RecordApplier}, before the pool opens the file, rather than inside the pool.
 *
 * <p>The stream thread heals quickly or not at all ({@link Healed#ELSEWHERE}): a rebuild, and the check of a file over
 * {@link #QUICK_CHECK_MAX_BYTES}, happen in the heavy lane, so the partition's other tenants go on meanwhile.
 *
 * <p>Thread-safe; a tenant is healed by one thread at a time: its partition's, or the lane's worker holding its turn.
 */
class TenantRecovery {
    /** Replays one tenant's records of one partition, below an offset, into a fresh hot directory. */
    interface Rebuilder {
        void rebuild(String tenant, int partition, long endExclusive, Path scratchHotDir) throws SQLException;
    }

    /** What {@link #heal} found. */
    enum Healed {
        /** The file is there and sound, or the tenant has none: apply the record. */
        READY,
        /** The file was a thaw cut short: it is removed, and the tenant is cold again, to be thawed. */
        COLD_AGAIN,
        /**
         * Asked not to take long: the file must be rebuilt from the log, or checked page by page, which take as long as
         * the tenant's history or file. Nothing of the record is applied; the caller hands it to a thread that may.
         */
        ELSEWHERE
    }

    /**
     * Files larger than this (with their WAL) are not checked on a thread that was asked not to take long ({@link #heal}):
     * {@code quick_check} reads every page.
     */
    static final long QUICK_CHECK_MAX_BYTES = 16L << 20;

    /** Heals nothing: for replays (which start from an empty directory) and tests without a broker. */
    static final TenantRecovery NONE = new TenantRecovery() {
        @Override
        Healed heal(String tenant, Bookmark position, boolean quick) {
            return Healed.READY;
        }

        @Override
        void setAside(String tenant) {}

        @Override
        void recheck(String tenant, String reason) {}

        @Override
        void madeHere(String tenant) {}

        @Override
        void reopen(String tenant) {}

        @Override
        ColdTenants cold() {
            return ColdTenants.NONE;
        }

        @Override
        PastContent past() {
            return null;
        }
    };

    private static final Logger log = LoggerFactory.getLogger(TenantRecovery.class);

    private final TenantDatabasePool pool;
    private final TenantFiles files;
    private final Rebuilder rebuilder;
    private final ColdTenants cold;
    private final PastContent past;
    private final Counter missing;
    private final Counter corrupt;
    private final Counter checks;
    private final Counter mismatched;
    /** Per tenant, the offset its applier last announced having applied (cairn.tenant-state at this start); primary only. */
    private final java.util.Map<String, Long> committed = new ConcurrentHashMap<>();
    private final Set<String> checked = ConcurrentHashMap.newKeySet();
    private final Set<String> setAside = ConcurrentHashMap.newKeySet();
    /** Tenants whose file a quick {@link #heal} set aside, left for a thread that may rebuild them, by the counter their rebuild counts in. */
    private final java.util.Map<String, Counter> leftToRebuild = new ConcurrentHashMap<>();

    private TenantRecovery() {
        this.pool = null;
        this.files = null;
        this.rebuilder = null;
        this.cold = null;
        this.past = null;
        this.missing = null;
        this.corrupt = null;
        this.checks = null;
        this.mismatched = null;
    }

    TenantRecovery(TenantDatabasePool pool, Rebuilder rebuilder, MeterRegistry meters) {
        this(pool, rebuilder, ColdTenants.NONE, null, meters);
    }

    TenantRecovery(TenantDatabasePool pool, Rebuilder rebuilder, ColdTenants cold, PastContent past, MeterRegistry meters) {
        this.cold = cold;
        this.past = past;
        this.pool = pool;
        this.files = pool.files();
        this.rebuilder = rebuilder;
        String description = "tenants rebuilt from the log by the applier because their file was missing or corrupt";
        this.missing = Counter.builder("cairn.applier.rebuilds").tag("reason", "missing").description(description).register(meters);
        this.corrupt = Counter.builder("cairn.applier.rebuilds").tag("reason", "corrupt").description(description).register(meters);
        this.mismatched = Counter.builder("cairn.applier.rebuilds").tag("reason", "mismatch").description(description).register(meters);
        this.checks = Counter.builder("cairn.applier.file.checks")
                .description("tenant files checked (quick_check) before this instance first used them").register(meters);
    }

    /**
     * What the applier announced it had applied for each tenant (its state on cairn.tenant-state) before this start:
     * a file found behind it at its first check lost commits (its WAL) and is rebuilt. Only the primary's: a
     * replica's files trail the primary's states.
     */
    void committed(java.util.Map<String, Long> offsets) {
        committed.putAll(offsets);
    }

    /**
     * The newest position the tenant's file is known to hold: what the applier announced before this start, or
     * applied since; -1 when none. A record at or below it was applied (or given its verdict) and committed.
     */
    long appliedAtLeast(String tenant) {
        return Math.max(committed.getOrDefault(tenant, -1L), pool.appliedHere(tenant));
    }

    /**
     * Sets aside the files a group commit found damaged once committed ({@link GroupCommit#takeDamaged}): each tenant's
     * next record rebuilds its file from the log. One that cannot be moved is left to the edge's next check.
     */
    void setAsideDamaged(java.util.Set<String> tenants) {
        for (String tenant : tenants) {
            try {
                setAside(tenant);
            } catch (SQLException e) {
                log.error("tenant {}: its damaged file could not be set aside ({}); the edge's next check asks for its repair", tenant,
                        e.toString());
            }
        }
    }

    /** Builds past content for restores and forks; null where none can be built (no log). */
    PastContent past() {
        return past;
    }

    /** The tiers of the same files: which tenants are cold, and how they freeze and thaw. */
    ColdTenants cold() {
        return cold;
    }

    /**
     * Using the tenant's file failed in a way that says it is damaged: the file is moved to the
     * quarantine directory (with the connection to it closed), so that the next record of the tenant
     * finds it missing and rebuilds it from the log.
     */
    void setAside(String tenant) throws SQLException {
        pool.discard(tenant);
        checked.remove(tenant);
        try {
            if (files.quarantine(tenant) != null) {
                setAside.add(tenant);
                log.error("tenant {}: its file is damaged; set aside in {} to be rebuilt from the log", tenant, files.quarantineDir());
            }
        } catch (IOException e) {
            throw new SQLException("could not quarantine tenant " + tenant, e);
        }
    }

    /** Tenants a RepairTenant asked to check again, until the check says what it found. */
    private final java.util.Set<String> rechecks = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A RepairTenant record: forgets that the tenant's file passed its check, and closes it, so that
     * {@link #heal} checks it again before the record (and rebuilds it if it fails).
     */
    void recheck(String tenant, String reason) {
        log.warn("tenant {}: asked to check its file again ({})", tenant, reason);
        rechecks.add(tenant);
        committed.merge(tenant, pool.appliedHere(tenant), Math::max); // what this process applied: the file must hold it
        pool.discard(tenant);
        checked.remove(tenant);
    }

    /**
     * A record of the tenant failed in a way nobody foresaw: its connection, with every statement it prepared, is closed, so
     * the next try starts afresh (a statement the driver had closed failed each later write of the tenant the same way).
     */
    void reopen(String tenant) {
        if (tenant != null) pool.discard(tenant);
    }

    /**
     * This instance has just written the tenant's whole file (its creation, or a restore of content that passed
     * {@code quick_check}): it counts as checked, as a file that passed its first check does, so opening it
     * again after the pool closed it checks nothing. A fleet run reopens thousands of files this instance
     * created, and each check costs a second connection and a read of every page.
     */
    void madeHere(String tenant) {
        checked.add(tenant);
    }

    /**
     * Makes sure the tenant's file, if the tenant exists before {@code position}, is there and sound; see {@link Healed}.
     * {@code quick}: on a thread every tenant of a partition shares (the stream thread), which must not spend the time a
     * rebuild from the log takes (23 s for a tenant with a long history, measured from outside) or a check of a large
     * file: those are answered {@link Healed#ELSEWHERE}, a damaged file set aside first.
     */
    Healed heal(String tenant, Bookmark position, boolean quick) throws SQLException {
        if (pool.isOpen(tenant)) return Healed.READY;
        Path db = files.database(tenant);
        if (Files.exists(db)) {
            if (checked.contains(tenant)) return lostCommits(tenant, position, quick);
            if (quick && sizeWithWal(db) > QUICK_CHECK_MAX_BYTES) return Healed.ELSEWHERE;
            checks.increment();
            String problem = IntegrityCheck.problem(tenant, db, pool.limits()).orElse(null);
            if (problem == null) return sound(tenant, db, position, quick);
            return replace(tenant, position, corrupt, "database fails quick_check (" + problem + ")", quick);
        } else if (pool.registry().existsBefore(tenant, position.offset())) {
            if (quick) return Healed.ELSEWHERE;
            Counter why = leftToRebuild.remove(tenant);
            if (why == null && setAside.remove(tenant)) why = corrupt;
            if (why == null) {
                log.error("tenant {}: database file missing though the tenant exists; rebuilding from the log below {}", tenant, position);
                why = missing;
            } else {
                log.info("tenant {}: rebuilding from the log below {} the file set aside before (one fault, logged then)", tenant, position);
            }
            rebuild(tenant, position, why);
        }
        return Healed.READY;
    }

    private static long sizeWithWal(Path db) {
        try {
            Path wal = db.resolveSibling(db.getFileName() + "-wal");
            return Files.size(db) + (Files.exists(wal) ? Files.size(wal) : 0);
        } catch (IOException e) {
            return Long.MAX_VALUE; // gone or unreadable meanwhile: whoever checks it takes its time
        }
    }

    /**
     * A file checked before, and closed since (idle): it must still hold what this applier committed to it. A WAL
     * truncated or deleted while no connection held its index takes those commits with it, silently (SQLite recovers
     * the WAL's valid part), and the tenant's next record was applied on top of the older file: acknowledged writes
     * gone for good, the file no longer what its log makes. Read through the connection the pool opens for the record
     * (which stays open for it): a connection of its own for the check made each reopen open the file twice.
     */
    private Healed lostCommits(String tenant, Bookmark position, boolean quick) throws SQLException {
        long committedHere = pool.appliedHere(tenant); // forgotten whenever the file goes or is replaced (TenantDatabasePool.discard)
        if (committedHere < 0) return Healed.READY;
        TenantDatabase db = pool.acquire(tenant);
        if (db == null) return heal(tenant, position, quick); // gone meanwhile (a freeze, a delete): heal as a missing file
        long holds;
        try {
            holds = TenantSchema.appliedPosition(db::prepare).offset();
        } finally {
            pool.release(db);
        }
        if (holds >= committedHere) return Healed.READY;
        pool.discard(tenant);
        checked.remove(tenant);
        return replace(tenant, position, mismatched, "its file holds the tenant's log to offset " + holds + ", this applier committed it to "
                + committedHere + " (its WAL lost?)", quick);
    }

    /**
     * The file passed its check. If the registry still has a cold tail for it, a freeze or a thaw
     * stopped part way: a file that holds the whole tail (a freeze that removed nothing, a thaw that
     * applied it) is the tenant's, hot; one behind it is a thaw's snapshot without its tail, and goes.
     */
    private Healed sound(String tenant, Path db, Bookmark position, boolean quick) throws SQLException {
        TenantRegistry.ColdTail tail = pool.registry().coldTail(tenant);
        if (tail != null) {
            long holds = ConsistentCopy.positionOf(db).offset();
            if (holds < tail.last()) {
                log.warn("tenant {}: its file holds offset {}, short of its cold tail (to {}): a thaw stopped part way; cold again",
                        tenant, holds, tail.last());
                files.removeHotCopy(tenant);
                return Healed.COLD_AGAIN;
            }
            pool.registry().notCold(tenant);
        }
        long atLeast = Math.max(committed.getOrDefault(tenant, -1L), pool.appliedHere(tenant));
        String wrong = IntegrityCheck.identityProblem(tenant, db, pool.limits(), position.partition(), atLeast).orElse(null);
        if (wrong != null) {
            return replace(tenant, position, mismatched, "its file is sound but not the tenant's as committed (" + wrong + ")", quick);
        }
        checked.add(tenant);
        if (rechecks.remove(tenant)) log.info("tenant {}: the check asked for found its file sound and the tenant's: nothing to rebuild", tenant);
        return Healed.READY;
    }

    /**
     * Sets the tenant's file aside in the quarantine directory and rebuilds it from the log below {@code position}; when
     * {@code quick}, leaves the rebuild to the next {@link #heal} that may take long (the file is missing by then).
     */
    private Healed replace(String tenant, Bookmark position, Counter counter, String why, boolean quick) throws SQLException {
        log.error("tenant {}: {}; quarantining it and rebuilding from the log below {}", tenant, why, position);
        try {
            files.quarantine(tenant);
        } catch (IOException e) {
            throw new SQLException("could not quarantine tenant " + tenant, e);
        }
        if (quick) {
            leftToRebuild.put(tenant, counter);
            return Healed.ELSEWHERE;
        }
        rebuild(tenant, position, counter);
        return Healed.READY;
    }

    private void rebuild(String tenant, Bookmark position, Counter counter) throws SQLException {
        long start = System.nanoTime();
        Path scratch = files.scratchDir(tenant);
        try {
            rebuilder.rebuild(tenant, position.partition(), position.offset(), scratch);
            Path rebuilt = new TenantFiles(scratch).database(tenant);
            if (!Files.exists(rebuilt)) {
                log.warn("tenant {}: the log below {} does not create it; nothing to restore", tenant, position);
                return;
            }
            files.install(tenant, rebuilt);
            checked.add(tenant);
            counter.increment();
            log.warn("tenant {}: rebuilt from the log below {} in {} ms", tenant, position, (System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            throw new SQLException("could not restore rebuilt tenant " + tenant, e);
        } finally {
            deleteTree(scratch);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not remove scratch directory {}", dir, e);
        }
    }
}
