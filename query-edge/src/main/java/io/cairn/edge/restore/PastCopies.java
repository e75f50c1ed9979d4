package io.cairn.edge.restore;

import io.cairn.edge.error.ApiError;
import io.cairn.edge.error.LocalDisk;
import io.cairn.edge.json.StatementSpec;
import io.cairn.edge.read.QueryResult;
import io.cairn.edge.read.QueryRunner;
import io.cairn.edge.read.ReadPool;
import io.cairn.edge.read.ReadTurns;
import io.cairn.tenantdb.cpu.LowPriority;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.TenantState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Read-only copies of tenants as of past points, for as-of reads and exports: built once per (tenant,
 * point) by a {@link PastBuilder} into a directory of this edge's own, then read like a hot file (the same
 * read policy and limits) until evicted. Concurrent first uses of one point share one build; at most
 * {@code concurrentBuilds} builds run at once, and one per tenant (a tenant's next build waits for its
 * last, 30 s at most, then 429 {@code too_many_requests}), so asking for many points of one tenant
 * never holds up another tenant's as-of read. Builds run on threads of their own at a lower CPU priority
 * ({@link LowPriority}), taken in the order they were asked for: a build is seconds of SQLite that any
 * tenant with a read key can ask for again and again, and must not take the cores from the others' reads
 * and writes, nor keep another tenant's build waiting longer than the builds already queued (one per
 * tenant at most). Copies are kept up to {@code maxBytes} and
 * {@code maxCopies}, least recently used dropped first. A build must leave {@code keepFreeBytes} free on
 * the local disk after a copy the tenant's present size (least recently used copies are dropped to make
 * room; else 503 {@code storage_full}), and a build that fills the disk anyway is answered the same way:
 * the disk also holds the others' reads' temporary files. A copy is never written: a point's content is
 * fixed forever, so a copy never goes stale. Thread-safe.
 */
public final class PastCopies implements AutoCloseable {
    /** One built point: its directory, its pool and runner, its size. */
    private record Copy(Path dir, ReadPool pool, QueryRunner runner, long bytes) {}

    private record Key(String tenant, int partition, long offset) {
        String dirName() {
            return partition + "-" + offset + "-" + tenant;
        }
    }

    private final PastBuilder builder;
    private final Path dir;
    private final SqliteLimits limits;
    private final int maxRows;
    private final long maxResultBytes;
    private final int maxCopies;
    private final long maxBytes;
    private final Function<String, Optional<TenantState>> states;
    private final long keepFreeBytes;
    /** The build threads: {@code concurrentBuilds} of them, lowered, fed in the order builds were asked for. */
    private final ExecutorService builders;
    /** One build per tenant at a time, so no tenant holds every build slot while others' as-of reads wait behind it. */
    private final ReadTurns tenantBuilds = new ReadTurns(1, Duration.ofSeconds(30));
    private final LinkedHashMap<Key, Copy> kept = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Key, CompletableFuture<Copy>> building = new ConcurrentHashMap<>();
    /** How long a request waits for a build before it is answered 503 (the build goes on). */
    private Duration buildWait = BUILD_WAIT;
    private long keptBytes;

    /**
     * @param dir a directory of this edge's own (local disk), emptied now and when closed
     * @param states a tenant's present state: its size is what a copy of its past is expected to take, and its
     *     creation offset where a build of a point after it may start reading the log
     * @param keepFreeBytes what a build must leave free on {@code dir}'s disk
     */
    public PastCopies(PastBuilder builder, Path dir, SqliteLimits limits, int maxRows, long maxResultBytes, int concurrentBuilds,
            int maxCopies, long maxBytes, Function<String, Optional<TenantState>> states, long keepFreeBytes) {
        this.builder = builder;
        this.dir = dir;
        TenantFiles.deleteTree(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.limits = limits;
        this.maxRows = maxRows;
        this.maxResultBytes = maxResultBytes;
        this.builders = Executors.newFixedThreadPool(concurrentBuilds, LowPriority.threads("cairn-past-build-"));
        this.maxCopies = maxCopies;
        this.maxBytes = maxBytes;
        this.states = states;
        this.keepFreeBytes = keepFreeBytes;
    }

    /**
     * The offset of a tenant's last record at or before a point of its partition, when it can be known; else the
     * point's own offset. Never a later offset, nor an earlier one when a record of the tenant is in between.
     */
    @FunctionalInterface
    public interface LastRecord {
        long atOrBefore(String tenant, Bookmark point);
    }

    /** Each point is built as given, unless {@link #withLastRecords} says where the tenant's content last changed. */
    private LastRecord lastRecords = (tenant, point) -> point.offset();

    /**
     * Builds and keeps each point's copy for the tenant's last record at or before it ({@link LastRecords}): the
     * build never reads the partition after it, and the points after it share that copy.
     */
    public PastCopies withLastRecords(LastRecord lastRecords) {
        this.lastRecords = lastRecords;
        return this;
    }

    /** As long as a read may wait for its bookmark at most ({@code readWaitMax}'s default). */
    static final Duration BUILD_WAIT = Duration.ofSeconds(30);

    /** For tests: waits this long for a build instead of {@link #BUILD_WAIT}. */
    PastCopies withBuildWait(Duration wait) {
        this.buildWait = wait;
        return this;
    }

    /** Runs a read on the tenant's content as of {@code point}. */
    public QueryResult run(String tenant, Bookmark point, StatementSpec spec) throws InterruptedException {
        return copy(tenant, point).runner().run(tenant, spec, null, Duration.ZERO);
    }

    /** The logical checksum of the tenant's content as of {@code point}. */
    public QueryRunner.Checksum checksum(String tenant, Bookmark point) throws InterruptedException {
        return copy(tenant, point).runner().checksum(tenant);
    }

    /**
     * The file of the tenant's content as of {@code point}, for an export: read it with a connection of
     * your own (it may be evicted once you are done; it is never changed).
     */
    public Path file(String tenant, Bookmark point) throws InterruptedException {
        return new TenantFiles(copy(tenant, point).dir()).database(tenant);
    }

    /** Copies kept, and their bytes. */
    public long[] kept() {
        synchronized (kept) {
            return new long[] {kept.size(), keptBytes};
        }
    }

    /**
     * The copy of {@code point}, kept or built. A request waits for a build at most {@link #buildWait} (a long history
     * to replay, or another tenant's costly records in it, took minutes): then it is answered 503 {@code unavailable}
     * while the build goes on, and is kept for the retry, which a second build of the same point would only delay.
     */
    private Copy copy(String tenant, Bookmark point) throws InterruptedException {
        Key key = new Key(tenant, point.partition(), Math.min(point.offset(), lastRecords.atOrBefore(tenant, point)));
        synchronized (kept) {
            Copy have = kept.get(key);
            if (have != null) return have;
        }
        CompletableFuture<Copy> mine = new CompletableFuture<>();
        CompletableFuture<Copy> running = building.putIfAbsent(key, mine);
        if (running != null) return awaitBuild(running, key);
        try {
            startBuild(key).whenComplete((built, failed) -> {
                building.remove(key, mine);
                if (failed == null) mine.complete(built);
                else mine.completeExceptionally(failed instanceof CompletionException c && c.getCause() != null ? c.getCause() : failed);
            });
        } catch (RuntimeException | InterruptedException e) {
            building.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
        return awaitBuild(mine, key);
    }

    /**
     * Takes the tenant's build turn (one build per tenant: 429 when it waited too long for it) and builds on one of
     * the build threads; the turn is given back and the copy kept when the build ends, whoever still waits for it.
     */
    private CompletableFuture<Copy> startBuild(Key key) throws InterruptedException {
        Runnable giveBack = tenantBuilds.taken(key.tenant());
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return buildNow(key);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw ApiError.unavailable("the edge is shutting down; retry");
                }
            }, builders).whenComplete((built, failed) -> {
                giveBack.run();
                if (built != null) keep(key, built);
            });
        } catch (RuntimeException e) { // the build threads shut down
            giveBack.run();
            throw e;
        }
    }

    private Copy awaitBuild(CompletableFuture<Copy> f, Key key) throws InterruptedException {
        try {
            return f.get(buildWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw ApiError.unavailable("the content of tenant '" + key.tenant() + "' as of " + key.partition() + ":" + key.offset()
                    + " is still being built (a long stretch of its log to replay); the build goes on and keeps it: retry in a while");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    private Copy buildNow(Key key) throws InterruptedException {
        Path target = dir.resolve(key.dirName());
        try {
            Optional<TenantState> now = states.apply(key.tenant());
            if (now.isEmpty()) throw deleted(key.tenant());
            makeRoom(now.get().getSizeBytes());
            long created = createdAtOrBefore(now, key);
            TenantFiles.deleteTree(target);
            Files.createDirectories(target);
            // A snapshot and a replay, seconds of SQLite: in one of the tenant's turns (ReadTurns).
            if (!ReadTurns.SHARED.call(key.tenant(), () -> builder.build(key.tenant(), key.partition(), created, key.offset(), target))) {
                TenantFiles.deleteTree(target);
                throw new ApiError(ErrorCode.RESTORE_OUT_OF_RANGE, "tenant '" + key.tenant() + "' did not exist at "
                        + key.partition() + ":" + key.offset());
            }
            if (!sameLife(now.get(), states.apply(key.tenant()))) {
                // Deleted while the copy was built: its data keys destroyed, the replay passed its sealed writes over
                // (a read racing the delete answered "no such table"). Never served, never kept.
                TenantFiles.deleteTree(target);
                throw deleted(key.tenant());
            }
            TenantFiles files = new TenantFiles(target);
            // Not quick_checked: built by the applier's own code from a snapshot verified against its SHA-256 and the log.
            ReadPool pool = ReadPool.ofVerifiedCopies(files, limits, 2);
            return new Copy(target, pool, new QueryRunner(pool, (t, o, w) -> false, maxRows, maxResultBytes),
                    Files.size(files.database(key.tenant())));
        } catch (PastBuilder.ErasedException e) {
            dropFailed(target, e);
            if (e.deleted()) throw deleted(key.tenant()); // its delete destroyed its keys while the copy was built
            throw new ApiError(ErrorCode.TENANT_ERASED, "the tenant's content at " + key.partition() + ":" + key.offset()
                    + " came from a tenant deleted since (its data keys destroyed): it can no longer be read");
        } catch (SQLException e) {
            dropFailed(target, e);
            throw ApiError.unavailable("the tenant's content at " + key.partition() + ":" + key.offset() + " could not be built ("
                    + e.getMessage() + "); retry shortly");
        } catch (IOException e) {
            dropFailed(target, e);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            dropFailed(target, e);
            throw e;
        }
    }

    /**
     * Where the tenant alive at the point was created, or -1: the present tenant's creation offset when it is at
     * or before the point on the same partition (a tenant created after the point is another incarnation, whose
     * creation says nothing of the point's).
     */
    private static long createdAtOrBefore(Optional<TenantState> now, Key key) {
        return now.filter(st -> st.getPartition() == key.partition() && st.getCreatedOffset() >= 0 && st.getCreatedOffset() <= key.offset())
                .map(TenantState::getCreatedOffset).orElse(-1L);
    }

    private static boolean sameLife(TenantState before, Optional<TenantState> after) {
        return after.isPresent() && after.get().getCreatedOffset() == before.getCreatedOffset();
    }

    private static ApiError deleted(String tenant) {
        return new ApiError(ErrorCode.TENANT_NOT_FOUND, "no such tenant: '" + tenant + "' was deleted while this request ran");
    }

    /** Removes a build that failed; one that failed for a full disk is answered 503 {@code storage_full}. */
    private static void dropFailed(Path target, Exception e) {
        TenantFiles.deleteTree(target);
        if (!(e instanceof ApiError) && LocalDisk.isFull(e)) throw LocalDisk.full("this copy of the tenant's past");
    }

    /**
     * Drops least recently used copies until a copy of {@code needBytes} leaves {@code keepFreeBytes} on the
     * disk; 503 {@code storage_full} when even that is not enough.
     */
    private void makeRoom(long needBytes) throws IOException {
        synchronized (kept) {
            Iterator<Copy> lru = kept.values().iterator();
            while (!LocalDisk.hasRoom(dir, needBytes, keepFreeBytes) && lru.hasNext()) {
                Copy c = lru.next();
                lru.remove();
                keptBytes -= c.bytes();
                drop(c);
            }
        }
        LocalDisk.requireRoom(dir, needBytes, keepFreeBytes, "this copy of the tenant's past");
    }

    private void keep(Key key, Copy copy) {
        synchronized (kept) {
            if (builders.isShutdown()) { // a build that ended after close: nothing keeps it any more
                drop(copy);
                return;
            }
            kept.put(key, copy);
            keptBytes += copy.bytes();
            Iterator<Map.Entry<Key, Copy>> lru = kept.entrySet().iterator();
            while ((keptBytes > maxBytes || kept.size() > maxCopies) && lru.hasNext()) {
                Map.Entry<Key, Copy> e = lru.next();
                if (e.getKey().equals(key)) continue;
                lru.remove();
                keptBytes -= e.getValue().bytes();
                drop(e.getValue());
            }
        }
    }

    /**
     * Removes every copy of the tenant's past this edge keeps: the tenant was deleted, and erasure reaches this
     * edge's disk too (with encryption, a copy is the tenant's data opened). A build under way is removed when done.
     */
    public void forget(String tenant) {
        synchronized (kept) {
            Iterator<Map.Entry<Key, Copy>> all = kept.entrySet().iterator();
            while (all.hasNext()) {
                Map.Entry<Key, Copy> e = all.next();
                if (!e.getKey().tenant().equals(tenant)) continue;
                all.remove();
                keptBytes -= e.getValue().bytes();
                drop(e.getValue());
            }
        }
        // A build under way keeps its copy just before it completes: that one copy goes when it does. Only that
        // copy: forgetting the whole tenant again from the callback ran it at once for a build completed but not yet
        // out of `building`, which called it again, without end, on the directory's thread (every tenant's state
        // then stopped there: creates answered 409, deletes 404, for good).
        building.forEach((key, build) -> {
            if (key.tenant().equals(tenant)) build.thenAccept(done -> forget(key, done));
        });
    }

    /** Removes one copy a build kept after its tenant was forgotten (unless evicted meanwhile, so dropped already). */
    private void forget(Key key, Copy copy) {
        synchronized (kept) {
            if (!kept.remove(key, copy)) return;
            keptBytes -= copy.bytes();
            drop(copy);
        }
    }

    private static void drop(Copy c) {
        c.pool().close();
        TenantFiles.deleteTree(c.dir());
    }


    @Override
    public void close() {
        builders.shutdownNow();
        synchronized (kept) {
            kept.values().forEach(PastCopies::drop);
            kept.clear();
            keptBytes = 0;
        }
        TenantFiles.deleteTree(dir);
    }
}
