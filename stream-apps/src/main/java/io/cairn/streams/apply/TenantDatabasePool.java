package io.cairn.streams.apply;

import java.io.IOException;
import java.io.UncheckedIOException;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.CopyPositions;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The open tenant databases of one applier instance, bounded so that 10,000 tenants never mean
 * 30,000 open file descriptors, and closed once idle so that quiet tenants hold none. Least-recently-used databases are closed first, but never one that is
 * in use (its group-commit transaction not yet committed): the bound may be exceeded while many
 * tenants are mid-group, and is restored as they are released.
 *
 * <p>Thread-safe. A database handed out by {@link #acquire} belongs to the calling thread until it
 * calls {@link #release}; tenants of one partition are only ever applied by that partition's task.
 * Files are opened outside the pool's lock (an open can take tens of milliseconds on a busy disk, and the
 * stream thread and the heavy lane share the pool: a fleet migration opens thousands); two threads asking
 * for the same tenant at once share one open.
 *
 * <p>Closes run in the background, and a closed database holds its files until its close is done: at most
 * {@code maxOpen} may be closing at once. Past that, opening another file waits (off the lock) for a close to finish, so
 * the pool's files are bounded by twice {@code maxOpen} plus the databases in use, however slow the volume's syncs.
 */
final class TenantDatabasePool implements AutoCloseable {
    /**
     * A database unused this long is closed even under the bound: a tenant that went quiet should
     * hold no file descriptors, while an active set of up to {@code maxOpen} tenants stays open.
     * Counted in the log's time too, not only the wall clock's: see {@link IdleClocks}.
     */
    static final Duration IDLE_CLOSE_AFTER = Duration.ofSeconds(10);
    private final IdleClocks clocks = new IdleClocks(IDLE_CLOSE_AFTER);
    private static final long SWEEP_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

    private long lastSweepNanos = System.nanoTime();
    private final TenantFiles files;
    private final SqliteLimits limits;
    private final int maxOpen;
    private final TenantTemplates templates;
    private final Map<String, TenantDatabase> open = new LinkedHashMap<>(64, 0.75f, true);
    /** Tenants whose file a thread is opening now (off the lock); completed with the database, or null if the open failed. */
    private final Map<String, CompletableFuture<TenantDatabase>> opening = new HashMap<>();
    private TenantRegistry registry;
    private CopyPositions positions;

    TenantDatabasePool(TenantFiles files, SqliteLimits limits, int maxOpen) {
        this(files, limits, maxOpen, new TenantTemplates());
    }

    /** A pool whose creations from templates use {@code templates} (a scratch pool shares its parent's). */
    TenantDatabasePool(TenantFiles files, SqliteLimits limits, int maxOpen, TenantTemplates templates) {
        this(files, limits, maxOpen, templates, close -> Thread.ofVirtual().start(close));
    }

    /** As above, running the background closes on {@code closer} (a test holds them to see the bound on closes). */
    TenantDatabasePool(TenantFiles files, SqliteLimits limits, int maxOpen, TenantTemplates templates, java.util.concurrent.Executor closer) {
        this.closer = closer;
        this.files = files;
        this.limits = limits;
        this.maxOpen = maxOpen;
        this.templates = templates;
    }

    TenantFiles files() {
        return files;
    }

    SqliteLimits limits() {
        return limits;
    }

    /** Gives up this thread's open of {@code tenant}: a thread waiting for it tries again. */
    private void abandon(String tenant, CompletableFuture<TenantDatabase> mine) {
        synchronized (this) {
            opening.remove(tenant);
        }
        mine.complete(null);
    }

    /** The hot directory's {@link TenantRegistry}, opened on first use and closed with the pool. */
    synchronized TenantRegistry registry() throws SQLException {
        if (registry == null) registry = TenantRegistry.open(files.registryFile(), () -> watchesForLostRegistry && appliedBefore());
        return registry;
    }

    private volatile boolean watchesForLostRegistry;

    /**
     * For the live applier's pool: a registry it has to make again in a hot directory that applied records before was
     * lost ({@link TenantRegistry#open}). A rebuild's or a thaw's scratch pool places files before it makes its registry.
     */
    TenantDatabasePool watchingForLostRegistry() {
        watchesForLostRegistry = true;
        return this;
    }

    /** Whether this hot directory applied records before: it holds a tenant's file, or published positions. */
    private boolean appliedBefore() {
        if (!files.list().isEmpty()) return true;
        try (CopyPositions.Reader published = CopyPositions.reader(files)) {
            return !published.nextOffsets().isEmpty();
        } catch (SQLException e) {
            return true; // cannot tell: a registry taken for incomplete asks the log, never answers wrongly
        }
    }

    /** The hot directory's {@link CopyPositions} writer, opened on first use and closed with the pool. */
    synchronized CopyPositions positions() throws SQLException {
        if (positions == null) positions = CopyPositions.open(files);
        return positions;
    }

    /** The tenant's open database, opening its file if it exists; null when the tenant has no file. */
    TenantDatabase acquire(String tenant) throws SQLException {
        return obtain(tenant, false, null);
    }

    /** Creates (or opens) the tenant's file; the caller initialises Cairn's tables in its transaction. */
    TenantDatabase create(String tenant) throws SQLException {
        return obtain(tenant, true, null);
    }

    /**
     * As {@link #create(String)}; a tenant without a file gets one holding {@code template} (a prepared
     * template file, see {@link TenantTemplates}) when it is not null. An existing file is never replaced.
     */
    TenantDatabase create(String tenant, byte[] template) throws SQLException {
        return obtain(tenant, true, template);
    }

    /** The template files prepared for this pool's tenants (shared with scratch pools that replay them). */
    TenantTemplates templates() {
        return templates;
    }

    private TenantDatabase obtain(String tenant, boolean create, byte[] template) throws SQLException {
        CompletableFuture<TenantDatabase> mine;
        while (true) {
            CompletableFuture<TenantDatabase> other;
            boolean closesPiledUp = false;
            synchronized (this) {
                TenantDatabase db = open.get(tenant);
                if (db != null) {
                    db.setInUse(true);
                    return db;
                }
                other = opening.get(tenant);
                if (other == null) {
                    if (!create && !files.exists(tenant)) return null;
                    closesPiledUp = closing.get() >= maxOpen;
                }
                if (other == null && !closesPiledUp) {
                    mine = new CompletableFuture<>();
                    opening.put(tenant, mine);
                    break;
                }
            }
            if (closesPiledUp) awaitCloses(); // then look again: another thread may have opened it meanwhile
            else other.join(); // then look again: it is open now, or that open failed and this thread tries
        }
        TenantDatabase db;
        try {
            if (create) files.prepare(tenant);
            if (create && template != null) files.createFrom(tenant, template);
            db = TenantDatabase.open(tenant, files.database(tenant), limits);
        } catch (IOException e) {
            abandon(tenant, mine);
            throw new UncheckedIOException("could not create tenant " + tenant + "'s file", e);
        } catch (SQLException | RuntimeException e) {
            abandon(tenant, mine);
            throw e;
        }
        synchronized (this) {
            opened++;
            opening.remove(tenant);
            open.put(tenant, db);
            db.setInUse(true); // so the eviction below cannot pick the database just opened
            evictIdleOverBound();
        }
        mine.complete(db);
        return db;
    }

    /**
     * Per tenant, the newest position a database of this pool held when handed back: what this process applied,
     * which a file checked again later must hold ({@link TenantRecovery#recheck}), though its database was closed since.
     */
    private final Map<String, Long> released = new java.util.concurrent.ConcurrentHashMap<>();

    /** The newest position this process applied for the tenant; -1 when none. */
    long appliedHere(String tenant) {
        return released.getOrDefault(tenant, -1L);
    }

    /**
     * Cuts the tenant's WAL back to nothing when it is past {@link TenantDatabase#WAL_LIMIT_BYTES}, unless a reader holds
     * it now: best effort, its next write does it otherwise. The heavy lane asks after each record it applied: a write that
     * rewrote 1 GiB left a 1 GiB WAL on the volume every tenant shares until its tenant's next write (outside probe).
     */
    void cutBackLargeWal(String tenant) {
        cutBackLargeWal(tenant, TenantDatabase.WAL_LIMIT_BYTES);
    }

    /** As {@link #cutBackLargeWal(String)}, past {@code limit} bytes. */
    void cutBackLargeWal(String tenant, long limit) {
        try {
            TenantDatabase db = acquire(tenant);
            if (db == null) return;
            try {
                if (db.walOver(limit)) db.resetWal(0);
            } finally {
                release(db);
            }
        } catch (SQLException | RuntimeException busy) {
            // a reader of older content holds it: the tenant's next write cuts it back (CommandApplier)
        }
    }

    /** Hands a database back after its transaction committed or rolled back. */
    synchronized void release(TenantDatabase db) {
        released.merge(db.tenant, db.applied().offset(), Math::max);
        db.setInUse(false);
        clocks.taken(db.lastPartition(), db.lastIngressMs(), db.lastUsedNanos(), System.currentTimeMillis());
        evictIdleOverBound();
    }

    /**
     * Closes databases idle for {@link #IDLE_CLOSE_AFTER} ({@link IdleClocks}). Cheap to call often: it sweeps at most once a
     * second and stops at the first database used recently by the wall clock (the map is in access order). The closes
     * themselves (each may checkpoint its WAL) run on a background thread: a thousand tenants going
     * quiet at once must not stall the stream thread. A database leaves the map before it is closed,
     * so nothing else can use it meanwhile.
     *
     * @return how many it is closing
     */
    synchronized int closeIdle(long nowNanos) {
        if (nowNanos - lastSweepNanos < SWEEP_EVERY_NANOS) return 0;
        lastSweepNanos = nowNanos;
        List<TenantDatabase> idle = new ArrayList<>();
        Iterator<TenantDatabase> lru = open.values().iterator();
        while (lru.hasNext()) {
            TenantDatabase db = lru.next();
            if (nowNanos - db.lastUsedNanos() < IDLE_CLOSE_AFTER.toNanos()) break;
            if (db.inUse() || !clocks.idle(db.lastPartition(), db.lastIngressMs(), db.lastUsedNanos(), nowNanos)) continue;
            lru.remove();
            idle.add(db);
        }
        if (!idle.isEmpty()) closeInBackground("cairn-idle-close", idle);
        return idle.size();
    }

    /** Closes and forgets the tenant's database (before deleting its file); an open in flight is waited for first. */
    void discard(String tenant) {
        released.remove(tenant); // its file goes (a freeze, a delete, a quarantine) or is checked again against what was noted
        while (true) {
            CompletableFuture<TenantDatabase> inFlight;
            synchronized (this) {
                inFlight = opening.get(tenant);
                if (inFlight == null) {
                    TenantDatabase db = open.remove(tenant);
                    if (db != null) db.close();
                    return;
                }
            }
            inFlight.join();
        }
    }

    /**
     * True when the tenant's database is open in this pool, or being opened (so its file was there and checked
     * before it was opened).
     */
    synchronized boolean isOpen(String tenant) {
        return open.containsKey(tenant) || opening.containsKey(tenant);
    }

    /** Databases in the pool (the {@code max_open_tenants} bound counts these); see also {@link #closingCount()}. */
    synchronized int openCount() {
        return open.size();
    }

    private long opened;

    /** Tenant files this pool has opened, each reopen after a close counted again. */
    synchronized long openedTotal() {
        return opened;
    }

    @Override
    public synchronized void close() {
        List<TenantDatabase> all = new ArrayList<>(open.values());
        open.clear();
        all.forEach(TenantDatabase::close);
        if (registry != null) registry.close();
        registry = null;
        if (positions != null) {
            try {
                positions.close();
            } catch (SQLException e) {
                // advisory: nothing to lose
            }
        }
        positions = null;
    }

    private void evictIdleOverBound() {
        List<TenantDatabase> evicted = null;
        Iterator<TenantDatabase> lru = open.values().iterator();
        while (open.size() > maxOpen && lru.hasNext()) {
            TenantDatabase db = lru.next();
            if (db.inUse()) continue;
            lru.remove();
            if (evicted == null) evicted = new ArrayList<>();
            evicted.add(db);
        }
        // Closed off this lock (a close may checkpoint its WAL and sync), as closeIdle does: the stream
        // thread and the heavy lane share the pool, and one must not wait on the other's evictions.
        if (evicted != null) closeInBackground("cairn-evict-close", evicted);
    }

    /** Databases out of the pool whose background close has not finished: their files are still open. */
    private final java.util.concurrent.atomic.AtomicInteger closing = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Databases handed to a background close that has not finished (a close may checkpoint its WAL and sync it): they
     * are out of {@link #openCount()} at once, and hold their files until then.
     */
    int closingCount() {
        return closing.get();
    }

    private final java.util.concurrent.Executor closer;
    /** Notified when a background close finishes with fewer than {@code maxOpen} closing. */
    private final Object closed = new Object();

    private final java.util.concurrent.atomic.AtomicLong openWaits = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong openWaitNanos = new java.util.concurrent.atomic.AtomicLong();

    /** Waits until fewer than {@code maxOpen} databases are closing: a new file is not opened past that. */
    private void awaitCloses() throws SQLException {
        long start = System.nanoTime();
        try {
            synchronized (closed) {
                while (closing.get() >= maxOpen) {
                    try {
                        closed.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new SQLException("interrupted while waiting for tenant databases to close", e);
                    }
                }
            }
        } finally {
            openWaits.incrementAndGet();
            openWaitNanos.addAndGet(System.nanoTime() - start);
        }
    }

    /** Opens of a tenant's file that waited for background closes ({@code maxOpen} of them under way). */
    long openWaitsTotal() {
        return openWaits.get();
    }

    /** The time those opens waited, in seconds. */
    double openWaitSeconds() {
        return openWaitNanos.get() / 1e9;
    }

    private void closeInBackground(String threadName, List<TenantDatabase> dbs) {
        closing.addAndGet(dbs.size());
        closer.execute(() -> {
            Thread.currentThread().setName(threadName);
            for (TenantDatabase db : dbs) {
                try {
                    db.close();
                } finally {
                    if (closing.decrementAndGet() < maxOpen) {
                        synchronized (closed) {
                            closed.notifyAll();
                        }
                    }
                }
            }
        });
    }
}
