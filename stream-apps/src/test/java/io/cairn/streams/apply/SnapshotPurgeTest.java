package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.connectors.snapshot.LocalSnapshotStore;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deleted tenant's snapshots leave the store; a new life's (later offsets) and other tenants' stay. Real files, real store. */
class SnapshotPurgeTest {
    @TempDir Path dir;

    @Test
    void onlyTheDeletedLifesSnapshotsGoAndOneStoredDuringTheDeleteIsCaught() throws Exception {
        LocalSnapshotStore store = new LocalSnapshotStore(Files.createDirectories(dir.resolve("store")));
        TenantFiles files = new TenantFiles(dir.resolve("hot"));
        Path content = Files.write(dir.resolve("content"), new byte[] {1, 2, 3});
        for (long offset : new long[] {3, 5, 9}) store.put("acme", offset, content);
        store.put("other", 4, content);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SnapshotPurge purge = new SnapshotPurge(files, store, Duration.ofSeconds(1), registry);

        files.delete("acme", 7); // the delete's tombstone, as the applier leaves it before asking for the purge
        purge.run("acme", 7);
        assertThat(store.offsets("acme")).as("a later life's snapshot stays").containsExactly(9L);
        assertThat(store.offsets("other")).containsExactly(4L);

        store.put("acme", 6, content); // a copy taken before the delete, stored after the purge
        assertThat(purge.ofDeletedLife("acme", 6)).isTrue();
        assertThat(purge.ofDeletedLife("acme", 9)).as("taken after the delete: the new life's").isFalse();
        assertThat(purge.ofDeletedLife("other", 4)).as("never deleted").isFalse();
        assertThat(store.offsets("acme")).containsExactly(9L);
        assertThat(registry.counter("cairn.snapshots.purged").count()).isEqualTo(3.0);
    }
}
