package io.cairn.edge.read;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadPoolTest {
    @TempDir
    Path hot;

    @Test
    void idleConnectionsAreBoundedOverAllTenantsLeastRecentlyUsedFirst() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        List<TenantConnection> writers = new ArrayList<>();
        for (String t : List.of("a", "b", "c")) writers.add(SqliteFixture.create(files, t, 0, 1));
        try (ReadPool pool = new ReadPool(files, SqliteLimits.READ_DEFAULTS, 2)) {
            ReadPool.Lease a = pool.borrow("a").orElseThrow();
            ReadPool.Lease b = pool.borrow("b").orElseThrow();
            ReadPool.Lease c = pool.borrow("c").orElseThrow();
            pool.release(a);
            pool.release(b);
            pool.release(c); // evicts a, the least recently used
            assertThat(pool.idleCount()).isEqualTo(2);
            assertThat(a.connection().connection().isClosed()).isTrue();
            assertThat(c.connection().connection().isClosed()).isFalse();
        } finally {
            for (TenantConnection w : writers) w.close();
        }
    }

    @Test
    void aConnectionBorrowedWhenItsTenantIsEvictedIsClosedOnRelease() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        try (TenantConnection w = SqliteFixture.create(files, "a", 0, 1);
             ReadPool pool = new ReadPool(files, SqliteLimits.READ_DEFAULTS, 4)) {
            ReadPool.Lease a = pool.borrow("a").orElseThrow();
            pool.evict("a");
            pool.release(a);
            assertThat(pool.idleCount()).isZero();
            assertThat(a.connection().connection().isClosed()).isTrue();
            assertThat(pool.borrow("missing")).isEmpty();
        }
    }

    @Test
    void anIdleConnectionToAReplacedFileIsNeverReused() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        try (ReadPool pool = new ReadPool(files, SqliteLimits.READ_DEFAULTS, 4)) {
            try (TenantConnection w = SqliteFixture.create(files, "a", 0, 1)) {
                ReadPool.Lease first = pool.borrow("a").orElseThrow();
                pool.release(first);
                // The applier rebuilds the copy: a new file (a new inode) takes the old one's place.
                java.nio.file.Files.move(files.database("a"), hot.resolve("quarantined.db"));
                try (TenantConnection rebuilt = SqliteFixture.create(files, "a", 0, 7)) {
                    ReadPool.Lease next = pool.borrow("a").orElseThrow();
                    assertThat(next.connection()).isNotSameAs(first.connection());
                    assertThat(first.connection().connection().isClosed()).isTrue();
                    assertThat(io.cairn.tenantdb.sqlite.TenantSchema.appliedPosition(next.connection().connection()).offset()).isEqualTo(7);
                    pool.release(next);
                }
            }
        }
    }
}
