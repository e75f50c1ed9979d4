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
