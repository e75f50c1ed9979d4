package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the sweep finds due in a tenant's own file: a restore after its newest snapshot, or a snapshot too old for the log's retention. */
class RetentionGuardTest {
    private static final long NOW = 1_000_000_000L;
    private static final OptionalLong UNLIMITED = OptionalLong.empty();

    @TempDir Path hot;

    @Test
    void aTenantRestoredAfterItsNewestSnapshotIsDueWhateverTheRetention() throws Exception {
        TenantFiles files = tenant("t", NOW, "UPDATE _cairn_tenant SET restored_offset = 40",
                "INSERT INTO _cairn_snapshots VALUES (39, 1, 1, 'x', 'k', " + NOW + ")");
        assertThat(guard(files).due("t", UNLIMITED)).isEqualTo(RetentionGuard.Due.RESTORED);
        assertThat(guard(files).due("t", OptionalLong.of(3_600_000))).isEqualTo(RetentionGuard.Due.RESTORED);
    }

    @Test
    void aForkNeverSnapshottedIsDue() throws Exception {
        TenantFiles files = tenant("fork", NOW, "UPDATE _cairn_tenant SET restored_offset = 7");
        assertThat(guard(files).due("fork", UNLIMITED)).isEqualTo(RetentionGuard.Due.RESTORED);
    }

    @Test
    void aSnapshotAtOrAfterTheRestoreSettlesIt() throws Exception {
        TenantFiles files = tenant("t", NOW, "UPDATE _cairn_tenant SET restored_offset = 40",
                "INSERT INTO _cairn_snapshots VALUES (40, 1, 1, 'x', 'k', " + NOW + ")");
        assertThat(guard(files).due("t", UNLIMITED)).isEqualTo(RetentionGuard.Due.NOT);
    }

    @Test
    void aTenantNeverRestoredIsDueOnlyByRetention() throws Exception {
        TenantFiles files = tenant("t", NOW - 10_000, "INSERT INTO _cairn_snapshots VALUES (5, 1, 1, 'x', 'k', " + (NOW - 10_000) + ")");
        assertThat(guard(files).due("t", UNLIMITED)).isEqualTo(RetentionGuard.Due.NOT);
        assertThat(guard(files).due("t", OptionalLong.of(60_000))).as("10 s old, half the retention is 30 s").isEqualTo(RetentionGuard.Due.NOT);
        assertThat(guard(files).due("t", OptionalLong.of(15_000))).as("10 s old, half the retention is 7.5 s").isEqualTo(RetentionGuard.Due.RETENTION);
    }

    @Test
    void withoutASnapshotItsCreationCountsForTheRetention() throws Exception {
        TenantFiles files = tenant("t", NOW - 10_000);
        assertThat(guard(files).due("t", OptionalLong.of(15_000))).isEqualTo(RetentionGuard.Due.RETENTION);
        assertThat(guard(files).due("t", OptionalLong.of(60_000))).isEqualTo(RetentionGuard.Due.NOT);
    }

    @Test
    void aFileFromBeforeTheRestoredColumnIsNotDueForIt() throws Exception {
        TenantFiles files = tenant("old", NOW, "ALTER TABLE _cairn_tenant DROP COLUMN restored_offset");
        assertThat(guard(files).due("old", UNLIMITED)).isEqualTo(RetentionGuard.Due.NOT);
    }

    private RetentionGuard guard(TenantFiles files) {
        return new RetentionGuard(files, null, OptionalLong::empty, () -> NOW, new SimpleMeterRegistry());
    }

    /** A tenant file with Cairn's tables and its row, created at {@code createdAtMs}, then {@code sql}. */
    private TenantFiles tenant(String tenant, long createdAtMs, String... sql) throws Exception {
        TenantFiles files = new TenantFiles(hot);
        files.prepare(tenant);
        try (TenantConnection c = SqliteConnections.openWritable(tenant, files.database(tenant), SqliteLimits.WRITE_DEFAULTS);
             Statement s = c.connection().createStatement()) {
            TenantSchema.create(c.connection());
            s.execute("INSERT INTO _cairn_tenant (id, tenant, created_at_ms, last_write_ms) VALUES (0, '" + tenant + "', " + createdAtMs + ", 0)");
            for (String q : sql) s.execute(q);
        }
        return files;
    }
}
