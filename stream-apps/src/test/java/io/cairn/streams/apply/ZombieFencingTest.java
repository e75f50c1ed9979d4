package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.TenantCommand;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.BusyHandler;

/**
 * Zombie fencing: a paused applier (the zombie) and its replacement, both owning partition 0 of one hot
 * directory, never both commit a record. Each is a real pool of SQLite connections on the same file;
 * the only fence is the tenant's stored position, re-read under SQLite's write lock when a group
 * begins and moved forward only inside the same transaction.
 */
class ZombieFencingTest {
    @TempDir Path hot;
    private final List<AutoCloseable> open = new ArrayList<>();

    /** One applier instance: its own pool (connections), applier and group. */
    private final class Instance {
        final TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 8);
        final CommandApplier applier = new CommandApplier(pool, 100, SnapshotRequests.IGNORED, ColdTenants.NONE, false);
        final GroupCommit group = new GroupCommit(pool, io.cairn.topics.seal.Keyring.NONE);

        Instance() {
            open.add(pool);
        }

        Outcome apply(TenantCommand cmd, long offset) throws Exception {
            Outcome o = applier.apply(cmd, new Bookmark(0, offset), group, Budget.FULL);
            group.add(cmd, new Bookmark(0, offset), o, null);
            return o;
        }

        void commit() throws Exception {
            group.commit(0);
        }
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    @Test
    void zombieResumingAfterItsReplacementCommittedAppliesNothing() throws Exception {
        Instance zombie = new Instance();
        zombie.apply(Commands.create("acme"), 0);
        zombie.apply(Commands.execute("acme", "CREATE TABLE t (n INTEGER)"), 1);
        zombie.commit(); // the zombie keeps its connection open, with applied position 1 in memory

        Instance replacement = new Instance();
        assertThat(replacement.apply(insert(2), 2)).isInstanceOf(Outcome.Applied.class);
        assertThat(replacement.apply(insert(3), 3)).isInstanceOf(Outcome.Applied.class);
        replacement.commit();

        // The zombie wakes up and processes what it had fetched before it paused.
        assertThat(zombie.apply(insert(2), 2)).isInstanceOf(Outcome.Skipped.class);
        assertThat(zombie.apply(insert(3), 3)).isInstanceOf(Outcome.Skipped.class);
        zombie.commit();

        assertThat(rows()).containsExactly(2L, 3L);
    }

    @Test
    void zombieAndReplacementRacingOnOneRecordCommitItOnce() throws Exception {
        Instance zombie = new Instance();
        zombie.apply(Commands.create("acme"), 0);
        zombie.apply(Commands.execute("acme", "CREATE TABLE t (n INTEGER)"), 1);
        zombie.commit();
        Instance replacement = new Instance();
        // The replacement's connection, opened now, reports when it finds SQLite's write lock taken and
        // waits, inside SQLite's busy handler, until the zombie has committed.
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch zombieCommitted = new CountDownLatch(1);
        TenantDatabase replacementDb = replacement.pool.acquire("acme");
        replacement.pool.release(replacementDb);
        BusyHandler.setHandler(replacementDb.connection(), new BusyHandler() {
            @Override
            protected int callback(int previousCalls) {
                blocked.countDown();
                try {
                    return zombieCommitted.await(10, TimeUnit.SECONDS) ? 1 : 0;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
        });

        // The zombie holds record 4 in its open group (and SQLite's write lock) when the replacement gets it too.
        assertThat(zombie.apply(insert(4), 4)).isInstanceOf(Outcome.Applied.class);
        CompletableFuture<Outcome> raced = CompletableFuture.supplyAsync(() -> {
            try {
                Outcome o = replacement.apply(insert(4), 4); // waits for the lock, then re-reads the position
                replacement.commit();
                return o;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(blocked.await(10, TimeUnit.SECONDS)).as("the replacement waits for the zombie's lock").isTrue();
        zombie.commit();
        zombieCommitted.countDown();

        Outcome replacementOutcome = raced.get();
        assertThat(replacementOutcome).isInstanceOf(Outcome.Skipped.class);
        assertThat(rows()).containsExactly(4L);
    }

    private static TenantCommand insert(long n) {
        return Commands.executeWith("acme", "INSERT INTO t VALUES (?)", n);
    }

    private List<Long> rows() throws Exception {
        try (TenantConnection c = SqliteConnections.openReadOnly("acme", new TenantFiles(hot).database("acme"), SqliteLimits.READ_DEFAULTS);
             ResultSet rs = c.connection().createStatement().executeQuery("SELECT n FROM t ORDER BY n")) {
            List<Long> out = new ArrayList<>();
            while (rs.next()) out.add(rs.getLong(1));
            return out;
        }
    }
}
