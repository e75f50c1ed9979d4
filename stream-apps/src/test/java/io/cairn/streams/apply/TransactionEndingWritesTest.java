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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes that make SQLite end the whole transaction ({@code INSERT OR ROLLBACK} failing), two of them in one group of
 * a replay (the full budget, as rebuilds, as-of reads, restores and forks build a tenant): the redo after the second
 * ran the first again, which ended the transaction again, and the tenant's log could not be replayed. Each fails
 * alone, and the writes around them stand.
 */
class TransactionEndingWritesTest {
    @TempDir Path dir;

    @Test
    void twoWritesEndingTheTransactionInOneReplayedGroupEachFailAlone() throws Exception {
        List<TenantCommand> log = List.of(Commands.create("rb"), Commands.execute("rb", "CREATE TABLE o (id INTEGER PRIMARY KEY, v)"),
                Commands.execute("rb", "INSERT INTO o VALUES (1, 'a')"), Commands.execute("rb", "INSERT OR ROLLBACK INTO o VALUES (1, 'dup')"),
                Commands.execute("rb", "INSERT OR ROLLBACK INTO o VALUES (1, 'dup2')"), Commands.execute("rb", "INSERT INTO o VALUES (2, 'b')"));
        List<Outcome> outcomes = new ArrayList<>();
        try (TenantDatabasePool pool = new TenantDatabasePool(new TenantFiles(dir), SqliteLimits.WRITE_DEFAULTS, 8)) {
            RecordApplier records = new RecordApplier(pool, 100, null, TenantRecovery.NONE, SnapshotRequests.IGNORED, null, true, false);
            GroupCommit group = records.group();
            Runnable commit = () -> {
                try {
                    if (!group.isEmpty()) group.commit(0);
                } catch (GroupCommit.CommitFailed e) {
                    throw new IllegalStateException(e);
                }
            };
            try {
                for (int i = 0; i < log.size(); i++) outcomes.add(records.apply(log.get(i), new Bookmark(0, i), commit));
                commit.run();
            } finally {
                group.close();
            }
        }

        assertThat(outcomes).extracting(o -> o instanceof Outcome.Applied).containsExactly(true, true, true, false, false, true);
        try (TenantConnection c = SqliteConnections.openReadOnly("rb", new TenantFiles(dir).database("rb"), SqliteLimits.READ_DEFAULTS);
             ResultSet rs = c.connection().createStatement().executeQuery("SELECT group_concat(id || v, ',') FROM (SELECT * FROM o ORDER BY id)")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("1a,2b");
        }
    }
}
