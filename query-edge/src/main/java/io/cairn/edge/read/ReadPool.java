package io.cairn.edge.read;

import io.cairn.tenantdb.sqlite.IntegrityCheck;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only connections to tenant files, kept open while idle up to a total bound over all tenants and
 * evicted least-recently-used tenant first: a million tenants must not mean a million open files.
 * A connection is only ever used for the tenant it was opened for ({@link TenantFiles} is the only
 * id-to-path mapping). {@link #evict} closes a deleted tenant's connections; one borrowed at that
 * moment is closed on release instead of returning to the pool. Thread-safe; a borrowed connection
 * belongs to one thread until released.
 */
public final class ReadPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReadPool.class);
    /** How long a file's check is trusted for new connections. */
    static final Duration RECHECK_AFTER = Duration.ofMinutes(10);

    /** The file (inode) that passed its check, and when. */
    private record Verified(Object fileKey, long atNanos) {}

    private final TenantFiles files;
    private final boolean check;
    private final SqliteLimits limits;
    private final int maxIdle;
    private final ReentrantLock lock = new ReentrantLock();
    // Access-ordered: the first entry is the least recently used tenant.
    private final LinkedHashMap<String, ArrayDeque<Lease>> idle = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Long> generations = new HashMap<>();
    /** The file (inode) of each tenant that passed its check; a file replaced since is checked again. */
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();
    private final AtomicLong verifications = new AtomicLong();
    private final AtomicLong verifyNanos = new AtomicLong();
    private int idleCount;
    private boolean closed;

    /**
     * A connection on loan; give it back with {@link ReadPool#release} (or {@link ReadPool#discard}).
     * {@code fileKey} identifies the file (inode) it was opened on; {@code statements} are the
     * connection's prepared statements, pooled with it.
     */
    public record Lease(TenantConnection connection, long generation, Object fileKey, ReadStatements statements) {}

    /**
     * What a tenant's file must be to be served: the tenant's own (by its {@code _cairn_tenant} row), of its
     * {@code partition}, holding the log at least to {@code atLeast} (-1: no bound).
     */
    public record Expected(int partition, long atLeast) {}

    /** Per tenant, what its file must be ({@link Expected}); null for a tenant the edge knows nothing of. */
    private volatile java.util.function.Function<String, Expected> expected = t -> null;

    /**
     * Checks each file's identity too when it checks its soundness: a sound file can still be another tenant's copied
     * over it, an emptied one, or one behind what its applier committed (its WAL lost), each served as the tenant's.
     */
    public ReadPool expecting(java.util.function.Function<String, Expected> expected) {
        this.expected = expected;
        return this;
    }

    public ReadPool(TenantFiles files, SqliteLimits limits, int maxIdle) {
        this(files, limits, maxIdle, true);
    }

    /**
     * A pool over files whose bytes are already proven ({@code check} false: no {@code quick_check}
     * before serving), such as snapshot copies verified against their SHA-256.
     */
    public static ReadPool ofVerifiedCopies(TenantFiles files, SqliteLimits limits, int maxIdle) {
        return new ReadPool(files, limits, maxIdle, false);
    }

    private ReadPool(TenantFiles files, SqliteLimits limits, int maxIdle, boolean check) {
        this.check = check;
        this.files = files;
        this.limits = limits;
        this.maxIdle = maxIdle;
    }

    /**
     * A connection to the tenant's file; empty when the file does not exist. An idle connection whose
     * file was replaced since it was opened (the applier rebuilt a lost or corrupt copy, or the tenant
     * was deleted and created again) is closed instead of reused: it would read the old file.
     *
     * <p>A file is checked ({@code PRAGMA quick_check}) before this pool first serves it, again
     * whenever it was replaced, and again when it is borrowed more than {@link #RECHECK_AFTER} after
     * its last check (damage a disk makes while the file is in use, such as a misdirected page
     * write, is caught within that): a file that fails is never served ({@link TenantFileDamaged}).
     */
    public Optional<Lease> borrow(String tenant) throws SQLException {
        Path db = files.database(tenant);
        Object current = fileKey(db);
        if (current == null) return Optional.empty();
        Verified seen = verified.get(tenant);
        if (check && (seen == null || !current.equals(seen.fileKey()) || System.nanoTime() - seen.atNanos() > RECHECK_AFTER.toNanos())) {
            verify(tenant, db, current);
        }
        long generation;
        List<Lease> stale = new ArrayList<>();
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("read pool closed");
            generation = generations.getOrDefault(tenant, 0L);
            ArrayDeque<Lease> q = idle.get(tenant);
            while (q != null && !q.isEmpty()) {
                idleCount--;
                Lease pooled = q.pollLast();
                if (q.isEmpty()) idle.remove(tenant);
                if (current.equals(pooled.fileKey())) {
                    return Optional.of(new Lease(pooled.connection(), generation, current, pooled.statements()));
                }
                stale.add(pooled);
            }
        } finally {
            lock.unlock();
            stale.forEach(l -> closeQuietly(l.connection()));
        }
        TenantConnection opened = SqliteConnections.openReadOnly(tenant, db, limits);
        return Optional.of(new Lease(opened, generation, current, new ReadStatements(opened.connection())));
    }

    /** Checks the file once per file (inode): it is served only if it passes. */
    private void verify(String tenant, Path db, Object fileKey) throws SQLException {
        long start = System.nanoTime();
        Optional<String> problem = IntegrityCheck.problem(tenant, db, limits);
        verifyNanos.addAndGet(System.nanoTime() - start);
        verifications.incrementAndGet();
        if (problem.isPresent()) throw new TenantFileDamaged(tenant, "its file fails quick_check: " + problem.get());
        Expected e = expected.apply(tenant);
        if (e != null) {
            Optional<String> wrong = IntegrityCheck.identityProblem(tenant, db, limits, e.partition(), e.atLeast());
            if (wrong.isPresent()) throw new TenantFileDamaged(tenant, "its file is sound but not the tenant's as applied: " + wrong.get());
        }
        verified.put(tenant, new Verified(fileKey, System.nanoTime()));
    }

    /** Forgets that the tenant's file passed its check (SQLite found it damaged while reading): the next open checks again. */
    public void distrust(String tenant) {
        verified.remove(tenant);
        evict(tenant);
    }

    /** Files checked so far, and the time they took: the cost of never serving a damaged file. */
    public long verifications() {
        return verifications.get();
    }

    public long verifyNanos() {
        return verifyNanos.get();
    }

    private static Object fileKey(Path db) {
        try {
            return Files.readAttributes(db, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null; // no such file
        }
    }

    /** Returns a healthy connection to the pool (or closes it when the pool is full or the tenant was evicted). */
    public void release(Lease lease) {
        String tenant = lease.connection().tenant();
        List<TenantConnection> toClose = new ArrayList<>();
        lock.lock();
        try {
            if (closed || maxIdle == 0 || generations.getOrDefault(tenant, 0L) != lease.generation() || lease.connection().shmReadOnly()) {
                toClose.add(lease.connection());
            } else {
                idle.computeIfAbsent(tenant, t -> new ArrayDeque<>()).addLast(lease);
                idleCount++;
                Iterator<Map.Entry<String, ArrayDeque<Lease>>> lru = idle.entrySet().iterator();
                while (idleCount > maxIdle && lru.hasNext()) {
                    Map.Entry<String, ArrayDeque<Lease>> e = lru.next();
                    toClose.add(e.getValue().pollFirst().connection());
                    idleCount--;
                    if (e.getValue().isEmpty()) lru.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        toClose.forEach(ReadPool::closeQuietly);
    }

    /** Closes a connection that may be in a bad state instead of pooling it. */
    public void discard(Lease lease) {
        closeQuietly(lease.connection());
    }

    /** Closes the tenant's idle connections; borrowed ones close on release. */
    public void evict(String tenant) {
        ArrayDeque<Lease> q;
        lock.lock();
        try {
            generations.merge(tenant, 1L, Long::sum);
            q = idle.remove(tenant);
            if (q != null) idleCount -= q.size();
        } finally {
            lock.unlock();
        }
        if (q != null) q.forEach(l -> closeQuietly(l.connection()));
    }

    public int idleCount() {
        lock.lock();
        try {
            return idleCount;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        List<TenantConnection> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            idle.values().forEach(q -> q.forEach(l -> all.add(l.connection())));
            idle.clear();
            idleCount = 0;
        } finally {
            lock.unlock();
        }
        all.forEach(ReadPool::closeQuietly);
    }

    private static void closeQuietly(TenantConnection c) {
        try {
            c.close();
        } catch (SQLException e) {
            log.warn("closing read connection of a tenant failed: {}", e.getMessage());
        }
    }
}
