package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.seal.Keyring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A live group emits an outcome per record and a state per tenant; a replay's group commits the same files and emits nothing. */
class GroupCommitTest {
    @TempDir Path live;
    @TempDir Path replay;

    @Test
    void aReplaysGroupCommitsTheSameContentAsALiveOneAndEmitsNothing() throws Exception {
        List<TenantCommand> records = List.of(Commands.create("acme"), Commands.create("beta"),
                Commands.execute("acme", "CREATE TABLE t (n INTEGER)"), Commands.execute("beta", "CREATE TABLE t (n INTEGER)"),
                Commands.executeWith("acme", "INSERT INTO t VALUES (?)", 1), Commands.executeWith("beta", "INSERT INTO t VALUES (?)", 2),
                Commands.execute("acme", "INSERT INTO nowhere VALUES (1)"));

        GroupCommit.Emitted emitted = applyAndCommit(live, true, records);
        assertThat(emitted.results()).hasSize(records.size());
        assertThat(emitted.results().getLast().getOk()).isFalse();
        assertThat(emitted.states()).extracting(s -> s.getTenant().toString()).containsExactly("acme", "beta");

        assertThat(applyAndCommit(replay, false, records)).isSameAs(GroupCommit.Emitted.NOTHING);
        for (String tenant : List.of("acme", "beta")) {
            assertThat(rows(replay, tenant)).isEqualTo(rows(live, tenant)).hasSize(1);
            assertThat(Files.exists(new TenantFiles(replay).database(tenant))).isTrue();
        }
    }

    /**
     * A write opened with its key, whose key is destroyed before the group commits (the edge destroys the
     * key of a refused create; a delete destroys a tenant's keys): its outcome goes out erased, without its
     * data, and the other tenants' outcomes of the group go out as ever. It failed the whole commit, and the
     * applier thread with it, again at every redelivery.
     */
    @Test
    void anOutcomeWhoseKeyWasDestroyedBeforeTheCommitGoesOutErasedAndTheGroupCommits() throws Exception {
        io.cairn.connectors.keys.TenantKeys keys = new io.cairn.connectors.keys.TenantKeys(
                new io.cairn.connectors.keys.LocalDataKeyVault(replay.resolve("keys")),
                io.cairn.connectors.keys.LocalKeyEncryptionKey.open(replay.resolve("kek.keys")),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        io.cairn.topics.seal.DataKey key = keys.create("acme");
        try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(live), SqliteLimits.WRITE_DEFAULTS, 8)) {
            CommandApplier applier = new CommandApplier(pool, 100, SnapshotRequests.IGNORED, ColdTenants.NONE, false);
            GroupCommit group = new GroupCommit(pool, keys, true);
            List<TenantCommand> records = List.of(Commands.create("acme"), Commands.create("beta"),
                    Commands.execute("acme", "CREATE TABLE t (secret TEXT)"),
                    Commands.execute("acme", "INSERT INTO t VALUES ('x') RETURNING secret"),
                    Commands.execute("beta", "SELECT 1"));
            for (int i = 0; i < records.size(); i++) {
                Bookmark at = new Bookmark(0, i);
                String sealedWith = records.get(i).getTenant().equals("acme") && i > 1 ? key.id() : null;
                group.add(records.get(i), at, applier.apply(records.get(i), at, group, Budget.FULL), sealedWith);
            }
            keys.destroy("acme", List.of(key.id()));
            try {
                GroupCommit.Emitted emitted = group.commit(0);
                assertThat(emitted.results()).hasSize(records.size());
                io.cairn.topics.avro.CommandResult erased = emitted.results().get(3);
                assertThat(erased.getOk()).isFalse();
                assertThat(erased.getError().getCode()).isEqualTo("tenant_erased");
                assertThat(erased.getResults()).as("none of its data").isEmpty();
                assertThat(emitted.results().get(4).getOk()).as("the other tenant's outcome").isTrue();
            } finally {
                group.close();
            }
        }
    }

    private static GroupCommit.Emitted applyAndCommit(Path hot, boolean emits, List<TenantCommand> records) throws Exception {
        try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(hot), SqliteLimits.WRITE_DEFAULTS, 8)) {
            CommandApplier applier = new CommandApplier(pool, 100, SnapshotRequests.IGNORED, ColdTenants.NONE, false);
            GroupCommit group = new GroupCommit(pool, Keyring.NONE, emits);
            for (int i = 0; i < records.size(); i++) {
                Bookmark at = new Bookmark(0, i);
                group.add(records.get(i), at, applier.apply(records.get(i), at, group, Budget.FULL), null);
            }
            try {
                return group.commit(0);
            } finally {
                group.close();
            }
        }
    }

    private static List<Long> rows(Path hot, String tenant) throws Exception {
        try (TenantConnection c = SqliteConnections.openReadOnly(tenant, new TenantFiles(hot).database(tenant), SqliteLimits.READ_DEFAULTS);
             ResultSet rs = c.connection().createStatement().executeQuery("SELECT n FROM t ORDER BY n")) {
            List<Long> out = new ArrayList<>();
            while (rs.next()) out.add(rs.getLong(1));
            return out;
        }
    }
}
