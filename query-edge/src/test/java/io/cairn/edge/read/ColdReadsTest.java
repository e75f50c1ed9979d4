package io.cairn.edge.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.connectors.snapshot.LocalSnapshotStore;
import io.cairn.connectors.snapshot.SnapshotInfo;
import io.cairn.edge.json.StatementSpec;
import io.cairn.tenantdb.sqlite.ConsistentCopy;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cold tenant's read is served from its snapshot: a download whose SHA-256 is the one the log recorded is
 * served as it is; any other object under that offset is served only if it holds that offset. Real SQLite
 * files and a real (local) snapshot store.
 */
class ColdReadsTest {
    @TempDir Path dir;

    @Test
    void theSnapshotTheLogNamesIsServedAndAnotherUnderItsOffsetOnlyIfItHoldsThatOffset() throws Exception {
        TenantFiles hot = new TenantFiles(dir.resolve("hot"));
        LocalSnapshotStore store = new LocalSnapshotStore(Files.createDirectories(dir.resolve("s3")));
        SnapshotInfo frozen;
        Path later = dir.resolve("later.db");
        try (TenantConnection c = SqliteFixture.create(hot, "acme", 2, 7)) {
            SqliteFixture.apply(c, 2, 8, "CREATE TABLE t (n INTEGER)", "INSERT INTO t VALUES (1)");
            Path at8 = dir.resolve("at8.db");
            ConsistentCopy.take(hot.database("acme"), at8);
            frozen = store.put("acme", 8, at8);
            SqliteFixture.apply(c, 2, 9, "INSERT INTO t VALUES (2)");
            ConsistentCopy.take(hot.database("acme"), later);
        }
        StatementSpec count = new StatementSpec("SELECT count(*) FROM t", List.of(), Map.of());
        try (ColdReads reads = new ColdReads(store, dir.resolve("cold"), SqliteLimits.READ_DEFAULTS, 2, 1L << 30, 100, 1 << 20)) {
            QueryResult r = reads.run("acme", 8, frozen.sha256(), count, null, Duration.ZERO);
            assertThat(r.rows()).isEqualTo(List.of(List.of(1L)));
            assertThat(r.position()).isEqualTo(new Bookmark(2, 8));
        }

        // The store's object at offset 8 replaced by a copy holding offset 9 (a bug, a bucket restored from elsewhere).
        store.put("acme", 8, later);
        try (ColdReads reads = new ColdReads(store, dir.resolve("cold2"), SqliteLimits.READ_DEFAULTS, 2, 1L << 30, 100, 1 << 20)) {
            assertThatThrownBy(() -> reads.run("acme", 8, frozen.sha256(), count, null, Duration.ZERO))
                    .isInstanceOf(TenantFileDamaged.class).hasMessageContaining("holds offset 9");
        }

        // Damaged bytes in the store: not a 500 but a damaged copy, which the edge thaws instead (it answered 500 internal).
        Path object = store.objectPath("acme", 8);
        byte[] bytes = Files.readAllBytes(object);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 64 && i < bytes.length; i++) bytes[i] ^= 0x5a;
        Files.write(object, bytes);
        try (ColdReads reads = new ColdReads(store, dir.resolve("cold3"), SqliteLimits.READ_DEFAULTS, 2, 1L << 30, 100, 1 << 20)) {
            assertThatThrownBy(() -> reads.run("acme", 8, frozen.sha256(), count, null, Duration.ZERO)).isInstanceOf(TenantFileDamaged.class);
        }

        // Gone from the store: the same (it answered 503 "retry shortly" for good, and nothing asked for the thaw).
        Files.delete(object);
        try (ColdReads reads = new ColdReads(store, dir.resolve("cold4"), SqliteLimits.READ_DEFAULTS, 2, 1L << 30, 100, 1 << 20)) {
            assertThatThrownBy(() -> reads.run("acme", 8, frozen.sha256(), count, null, Duration.ZERO)).isInstanceOf(TenantFileDamaged.class)
                    .hasMessageContaining("not in the store");
        }
    }

    @Test
    void aDeletedTenantsLocalCopyIsRemovedFromTheEdgesDisk() throws Exception {
        TenantFiles hot = new TenantFiles(dir.resolve("hot"));
        LocalSnapshotStore store = new LocalSnapshotStore(Files.createDirectories(dir.resolve("s3")));
        SnapshotInfo frozen;
        try (TenantConnection c = SqliteFixture.create(hot, "acme", 2, 7)) {
            SqliteFixture.apply(c, 2, 8, "CREATE TABLE t (secret TEXT)", "INSERT INTO t VALUES ('the tenant''s data')");
            Path at8 = dir.resolve("at8.db");
            ConsistentCopy.take(hot.database("acme"), at8);
            frozen = store.put("acme", 8, at8);
        }
        StatementSpec read = new StatementSpec("SELECT secret FROM t", List.of(), Map.of());
        try (ColdReads reads = new ColdReads(store, dir.resolve("cold"), SqliteLimits.READ_DEFAULTS, 2, 1L << 30, 100, 1 << 20)) {
            reads.run("acme", 8, frozen.sha256(), read, null, Duration.ZERO);
            assertThat(reads.kept()[0]).isEqualTo(1);
            assertThat(new TenantFiles(dir.resolve("cold")).exists("acme")).isTrue();

            reads.forget("acme");
            assertThat(reads.kept()).containsExactly(0, 0);
            assertThat(new TenantFiles(dir.resolve("cold")).exists("acme")).isFalse();
        }
    }
}
