package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tenant ids map to paths only inside the tenants directory, and deletes leave a tombstone. */
class TenantFilesTest {
    @TempDir Path hot;

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "a/b", "A", "", ".hidden", "-x", "x.db", "a b",
            "x234567890123456789012345678901234567890123456789012345678901234"})
    void invalidIdsNeverBecomePaths(String id) {
        TenantFiles files = new TenantFiles(hot);
        assertThatThrownBy(() -> files.database(id)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A past point built inside another's build (a restore met in the replay of a restore, and so on) gets its
     * scratch directory beside the enclosing one, never inside it: a path one level deeper per restore passed
     * SQLite's 512 bytes after about 14 levels, and the build failed SQLITE_CANTOPEN every time.
     */
    @Test
    void scratchDirectoriesOfNestedBuildsStayBesideEachOther() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        files.prepare("acme");
        Path first = files.scratchDir("acme");
        assertThat(first.getParent()).isEqualTo(hot.toAbsolutePath().normalize().resolve("recovery"));
        Path level = first;
        for (int depth = 0; depth < 40; depth++) {
            Files.createDirectories(level);
            TenantFiles inside = new TenantFiles(level);
            inside.prepare("acme");
            Path next = inside.scratchDir("acme");
            assertThat(next.getParent()).as("depth %d", depth).isEqualTo(first.getParent());
            level = next;
        }
        Files.createDirectories(level);
        new TenantFiles(level).prepare("acme");
        try (var c = SqliteConnections.openWritable("acme", new TenantFiles(level).database("acme"), SqliteLimits.WRITE_DEFAULTS)) {
            assertThat(c.connection().isClosed()).isFalse();
        }

        Path dataDirNamedRecovery = hot.resolve("recovery-owner").resolve("recovery").resolve("hot");
        Files.createDirectories(dataDirNamedRecovery);
        assertThat(new TenantFiles(dataDirNamedRecovery).scratchDir("acme").getParent())
                .as("a hot directory that is no scratch directory keeps its own recovery/")
                .isEqualTo(dataDirNamedRecovery.toAbsolutePath().normalize().resolve("recovery"));
    }

    @Test
    void validIdsStayUnderTheTenantsDirectory() {
        TenantFiles files = new TenantFiles(hot);
        Path p = files.database("acme_1-x");
        assertThat(p.normalize()).startsWithRaw(hot.toAbsolutePath().resolve("tenants"));
        assertThat(p.getFileName().toString()).isEqualTo("acme_1-x.db");
    }

    @Test
    void deleteRemovesFilesAndRecordsTheOffset() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        files.prepare("acme");
        Files.writeString(files.database("acme"), "x");
        Files.writeString(files.database("acme").resolveSibling("acme.db-wal"), "x");
        assertThat(files.list()).containsExactly("acme");
        files.delete("acme", 42);
        assertThat(files.exists("acme")).isFalse();
        assertThat(files.database("acme").resolveSibling("acme.db-wal")).doesNotExist();
        assertThat(files.deletedAt("acme")).hasValue(42);
        assertThat(files.list()).isEmpty();
    }

    /**
     * A tenant deleted, created again and deleted again has its tombstone rewritten while other threads read it
     * (the snapshotter, the heavy lane): each read sees one delete's offset, never an empty or half-written file
     * ("unreadable tombstone" under a create/delete race from outside).
     */
    @Test
    void aTombstoneRewrittenWhileReadIsAlwaysOneDeletesOffset() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        files.delete("acme", 1);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CompletableFuture<Long> reads = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            long seen = 0;
            long last = 0;
            while (!done.get()) {
                long at = files.deletedAt("acme").orElseThrow();
                assertThat(at).isGreaterThanOrEqualTo(last);
                last = at;
                seen++;
            }
            return seen;
        });
        for (long offset = 2; offset < 1_000 && !reads.isDone(); offset++) files.delete("acme", offset);
        done.set(true);
        assertThat(reads.get()).isPositive();
        assertThat(files.deletedAt("acme")).hasValue(999);
        try (var names = Files.list(files.database("acme").getParent())) {
            assertThat(names.map(p -> p.getFileName().toString()).toList()).containsExactly("acme.deleted");
        }
    }

    @Test
    void deleteAlsoErasesTheTenantsQuarantinedCopiesAndNoOtherTenants() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        for (String tenant : new String[] {"acme", "acme2", "acm"}) {
            files.prepare(tenant);
            Files.writeString(files.database(tenant), "secret of " + tenant);
            Files.writeString(files.database(tenant).resolveSibling(tenant + ".db-wal"), "x");
            files.quarantine(tenant);
        }
        try (var q = Files.list(files.quarantineDir())) {
            assertThat(q.toList()).hasSize(6);
        }
        files.delete("acme", 42);
        try (var q = Files.list(files.quarantineDir())) {
            assertThat(q.map(f -> f.getFileName().toString()).toList()).hasSize(4).noneMatch(n -> n.startsWith("acme.db"));
        }
    }

    @Test
    void createFromWritesTheWholeContentOnceAndNeverReplacesATenantsFile() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        assertThat(files.createFrom("acme", new byte[] {1, 2, 3})).isTrue();
        assertThat(Files.readAllBytes(files.database("acme"))).containsExactly(1, 2, 3);
        assertThat(files.createFrom("acme", new byte[] {9})).as("the tenant has a file").isFalse();
        assertThat(Files.readAllBytes(files.database("acme"))).containsExactly(1, 2, 3);
        assertThat(files.list()).containsExactly("acme");
        try (var left = Files.list(hot.resolve("recovery"))) {
            assertThat(left.toList()).as("no scratch copy stays behind").isEmpty();
        }
    }

    @Test
    void onlyScratchOlderThanTheCutOffIsRemoved() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        Path oldRebuild = Files.createDirectories(files.scratchDir("acme").resolve("tenants"));
        Files.writeString(oldRebuild.resolve("acme.db"), "x");
        Path oldCopy = files.snapshotScratch("acme");
        Files.createDirectories(oldCopy.getParent());
        Files.writeString(oldCopy, "x");
        java.time.Instant cutOff = java.time.Instant.now().plusSeconds(60);
        Path fresh = files.snapshotScratch("other");
        Files.writeString(fresh, "x");
        Files.setLastModifiedTime(fresh, java.nio.file.attribute.FileTime.from(cutOff.plusSeconds(60)));

        assertThat(files.removeScratchOlderThan(cutOff)).isEqualTo(2);
        assertThat(oldCopy).doesNotExist();
        assertThat(oldRebuild.getParent()).doesNotExist();
        assertThat(fresh).exists();
    }
}
