package io.cairn.edge.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.connectors.snapshot.LocalSnapshotStore;
import io.cairn.edge.TestStates;
import io.cairn.edge.read.QueryRunner;
import io.cairn.edge.read.ReadPool;
import io.cairn.edge.read.SqliteFixture;
import io.cairn.tenantdb.sqlite.CopyPositions;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.SnapshotRef;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A past point is moved back to the tenant's last record before it only when the hot volume proves there is no
 * record of the tenant in between: real tenant files, the real positions file, a real snapshot store.
 */
class LastRecordsTest {
    @TempDir Path dir;
    private final Map<String, TenantState> states = new ConcurrentHashMap<>();
    private TenantFiles files;
    private CopyPositions published;
    private CopyPositions.Reader positions;
    private ReadPool pool;
    private LocalSnapshotStore store;
    private LastRecords last;

    @BeforeEach
    void start() throws Exception {
        files = new TenantFiles(dir.resolve("hot"));
        published = CopyPositions.open(files);
        positions = CopyPositions.reader(files);
        pool = new ReadPool(files, SqliteLimits.READ_DEFAULTS, 4);
        store = new LocalSnapshotStore(dir.resolve("snapshots"));
        last = new LastRecords(positions, t -> Optional.ofNullable(states.get(t)), new QueryRunner(pool, (t, o, w) -> false, 100, 1 << 20), store);
    }

    @AfterEach
    void stop() throws Exception {
        pool.close();
        positions.close();
        published.close();
    }

    private void hotTenantLastWrittenAt(String tenant, long offset) throws Exception {
        try (TenantConnection c = SqliteFixture.create(files, tenant, 2, offset - 1)) {
            SqliteFixture.apply(c, 2, offset, "CREATE TABLE t (v)");
        }
        states.put(tenant, TestStates.state(tenant, 2, offset, List.of()));
    }

    @Test
    void aHotTenantsPointAfterItsLastRecordIsThatRecordOnceTheVolumeHoldsThePoint() throws Exception {
        hotTenantLastWrittenAt("acme", 40);
        published.publish(2, 1_000, List.of(), List.of(), true, 1);

        assertThat(last.atOrBefore("acme", new Bookmark(2, 900))).isEqualTo(40);
        assertThat(last.atOrBefore("acme", new Bookmark(2, 40))).isEqualTo(40);
        assertThat(last.atOrBefore("acme", new Bookmark(2, 39))).as("its file is past the point: nothing known").isEqualTo(39);
        assertThat(last.atOrBefore("acme", new Bookmark(1, 900))).as("another partition").isEqualTo(900);
    }

    @Test
    void aPointTheVolumeHasNotAppliedOrTheTenantsPendingRecordsStayAsAsked() throws Exception {
        hotTenantLastWrittenAt("acme", 40);
        published.publish(2, 500, List.of(), List.of(), true, 1);
        assertThat(last.atOrBefore("acme", new Bookmark(2, 900))).as("a record of the tenant may be in 500..900").isEqualTo(900);

        published.publish(2, 1_000, List.of("acme"), List.of(), true, 2); // a record of acme waits in the heavy lane
        assertThat(last.atOrBefore("acme", new Bookmark(2, 900))).isEqualTo(900);
        assertThat(last.atOrBefore("bob", new Bookmark(2, 900))).as("no state").isEqualTo(900);
    }

    @Test
    void aColdTenantsPointAfterItsFreezeIsItsSnapshotUnlessTheStoreHasANewerOne() throws Exception {
        published.publish(2, 1_000, List.of(), List.of(), true, 1);
        store.put("acme", 30, new ByteArrayInputStream(new byte[] {1}));
        states.put("acme", TenantState.newBuilder(TestStates.state("acme", 2, 31, List.of())).setTier(Tier.COLD)
                .setSnapshot(new SnapshotRef(30L, 1L, 1L, "00", "k", 1L)).build());

        assertThat(last.atOrBefore("acme", new Bookmark(2, 900))).isEqualTo(30);
        assertThat(last.atOrBefore("acme", new Bookmark(2, 30))).as("its freeze is after the point").isEqualTo(30);
        assertThat(last.atOrBefore("acme", new Bookmark(2, 29))).isEqualTo(29);

        store.put("acme", 700, new ByteArrayInputStream(new byte[] {2})); // thawed, written and frozen again: the directory trails
        assertThat(last.atOrBefore("acme", new Bookmark(2, 900))).isEqualTo(900);
    }

    @Test
    void aHotTenantWithoutItsFileIsNotTakenForCold() throws Exception {
        published.publish(2, 1_000, List.of(), List.of(), true, 1);
        store.put("acme", 30, new ByteArrayInputStream(new byte[] {1}));
        states.put("acme", TenantState.newBuilder(TestStates.state("acme", 2, 60, List.of()))
                .setSnapshot(new SnapshotRef(30L, 1L, 1L, "00", "k", 1L)).build()); // hot, its file lost

        assertThat(last.atOrBefore("acme", new Bookmark(2, 900))).isEqualTo(900);
    }
}
