package io.cairn.edge.read;

import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotStoreException;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.error.LocalDisk;
import io.cairn.edge.json.StatementSpec;
import io.cairn.tenantdb.sqlite.ConsistentCopy;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Reads of cold tenants, served from their snapshot without making them hot: while a tenant is cold its
 * snapshot is exactly its data (nothing was applied after it but the freeze itself), so the edge fetches
 * it once into a local directory of its own (verified: size and SHA-256; and the position it holds
 * unless that SHA-256 is the one the log recorded for the snapshot) and runs
 * reads on it like on a hot file. At most {@code concurrentDownloads} snapshots are fetched at once, a
 * tenant's concurrent first reads share one download, and the copies kept are bounded in bytes (least
 * recently read dropped first). A write to the tenant thaws it in the applier; from then on its hot file
 * is read, and a copy of a superseded snapshot is never served (each read names the snapshot offset it
 * wants). Thread-safe.
 */
public final class ColdReads implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ColdReads.class);
    private final SnapshotStore store;
    private final Path dir;
    private final TenantFiles copies;
    private final ReadPool pool;
    private final QueryRunner runner;
    private final Semaphore downloads;
    private final long maxBytes;
    /** Tenant to the snapshot offset and size of its local copy, least recently read first. */
    private final LinkedHashMap<String, long[]> kept = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, CompletableFuture<Void>> fetching = new ConcurrentHashMap<>();
    private long keptBytes;

    /**
     * @param dir a directory of this edge's own (local disk), emptied now and when closed
     * @param maxBytes local copies kept, in bytes of their files
     */
    public ColdReads(SnapshotStore store, Path dir, SqliteLimits limits, int concurrentDownloads, long maxBytes, int maxRows,
            long maxResultBytes) {
        this.store = store;
        this.dir = dir;
        TenantFiles.deleteTree(dir);
        this.copies = new TenantFiles(dir);
        // Not quick_checked: a copy's bytes are proven by SHA-256 to be the snapshot's, which the applier
        // copied from a file it checked when it opened it.
        this.pool = ReadPool.ofVerifiedCopies(copies, limits, 64);
        this.runner = new QueryRunner(pool, (tenant, offset, timeout) -> false, maxRows, maxResultBytes);
        this.downloads = new Semaphore(concurrentDownloads);
        this.maxBytes = maxBytes;
    }

    /**
     * Runs {@code spec} on the tenant's snapshot at {@code snapshotOffset}, fetching it first if this edge
     * has no copy of it. {@code atLeast} must not be past the snapshot (the caller checks). {@code sha256}:
     * the snapshot's SHA-256 as the log recorded it (null if unknown); a download with another is opened to
     * check that it holds that offset.
     */
    public QueryResult run(String tenant, long snapshotOffset, String sha256, StatementSpec spec, Bookmark atLeast, Duration wait)
            throws InterruptedException {
        ensure(tenant, snapshotOffset, sha256);
        return runner.run(tenant, spec, atLeast, wait);
    }

    /**
     * The logical checksum of the tenant's snapshot at {@code snapshotOffset} (fetched as for {@link #run}): a cold
     * tenant's content, without a thaw (a fleet's nightly checksums thawed every tenant, and the tiering job froze them again).
     */
    public QueryRunner.Checksum checksum(String tenant, long snapshotOffset, String sha256) throws InterruptedException {
        ensure(tenant, snapshotOffset, sha256);
        return runner.checksum(tenant);
    }

    private void ensure(String tenant, long offset, String sha256) throws InterruptedException {
        while (true) {
            synchronized (kept) {
                long[] have = kept.get(tenant);
                if (have != null && have[0] == offset) return;
            }
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> running = fetching.putIfAbsent(tenant, mine);
            if (running != null) {
                await(running);
                continue; // fetched, perhaps another offset: look again
            }
            try {
                // A download, a decompression and a check of the copy: in one of the tenant's turns (ReadTurns).
                ReadTurns.SHARED.call(tenant, () -> {
                    fetch(tenant, offset, sha256);
                    return null;
                });
                mine.complete(null);
            } catch (RuntimeException | InterruptedException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                fetching.remove(tenant, mine);
            }
            return;
        }
    }

    private void fetch(String tenant, long offset, String sha256) throws InterruptedException {
        downloads.acquire();
        Path tmp = dir.resolve("incoming").resolve(tenant + "-" + System.nanoTime() + ".db");
        try {
            Files.createDirectories(tmp.getParent());
            var got = store.download(tenant, offset, tmp);
            if (got.isEmpty()) {
                // Removed from the store: as for a damaged one, the caller thaws the tenant, and the thaw falls back.
                log.warn("tenant {}: its snapshot at {} is not in the store; thawing it instead of reading the snapshot", tenant, offset);
                throw new TenantFileDamaged(tenant, "its snapshot at " + offset + " is not in the store");
            }
            // Bytes whose verified SHA-256 is the one the log recorded for this offset are that snapshot: no open to check.
            if (sha256 == null || !sha256.equals(got.get().sha256())) {
                long holds = ConsistentCopy.positionOf(tmp).offset();
                if (holds != offset) throw new TenantFileDamaged(tenant, "its snapshot at " + offset + " holds offset " + holds);
            }
            long size = Files.size(tmp);
            pool.evict(tenant);
            copies.install(tenant, tmp);
            keep(tenant, offset, size);
        } catch (io.cairn.connectors.snapshot.SnapshotCorruptException e) {
            // Not served, not a 500: the caller thaws the tenant instead, and the thaw, which checks every snapshot it
            // uses, falls back to an older one and a longer tail of the log (docs/tiers.md).
            log.warn("tenant {}: its snapshot at {} is damaged ({}); thawing it instead of reading the snapshot", tenant, offset, e.getMessage());
            throw new TenantFileDamaged(tenant, "its snapshot is damaged: " + e.getMessage());
        } catch (SnapshotStoreException e) {
            if (LocalDisk.isFull(e)) throw LocalDisk.full("this cold tenant's local copy");
            throw e.retriable() ? ApiError.unavailable("the snapshot store cannot be reached; retry shortly") : e;
        } catch (IOException e) {
            if (LocalDisk.isFull(e)) throw LocalDisk.full("this cold tenant's local copy");
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new TenantFileDamaged(tenant, "its snapshot cannot be read: " + e.getMessage());
        } finally {
            downloads.release();
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover in a directory this edge empties when it starts
            }
        }
    }

    private void keep(String tenant, long offset, long size) {
        synchronized (kept) {
            long[] old = kept.put(tenant, new long[] {offset, size});
            keptBytes += size - (old == null ? 0 : old[1]);
            Iterator<Map.Entry<String, long[]>> lru = kept.entrySet().iterator();
            while (keptBytes > maxBytes && lru.hasNext()) {
                Map.Entry<String, long[]> e = lru.next();
                if (e.getKey().equals(tenant)) continue;
                keptBytes -= e.getValue()[1];
                lru.remove();
                pool.evict(e.getKey());
                copies.removeHotCopy(e.getKey());
            }
        }
    }

    /**
     * Removes the tenant's local copy, if any: the tenant was deleted, and erasure reaches this edge's disk
     * too (with encryption, the copy is the snapshot opened). A download under way is removed when it lands.
     */
    public void forget(String tenant) {
        synchronized (kept) {
            long[] had = kept.remove(tenant);
            if (had != null) keptBytes -= had[1];
            pool.evict(tenant);
            copies.removeHotCopy(tenant);
        }
        CompletableFuture<Void> landing = fetching.get(tenant);
        if (landing != null) landing.whenComplete((done, failed) -> forget(tenant));
    }

    /** Local copies kept, and their bytes. */
    public long[] kept() {
        synchronized (kept) {
            return new long[] {kept.size(), keptBytes};
        }
    }

    private static void await(CompletableFuture<Void> f) throws InterruptedException {
        try {
            f.get();
        } catch (ExecutionException e) {
            // The fetcher failed and reported it; this reader tries again itself.
        }
    }


    @Override
    public void close() {
        pool.close();
        TenantFiles.deleteTree(dir);
    }
}
