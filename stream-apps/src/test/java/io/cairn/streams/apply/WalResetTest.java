package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sqlite.SqliteErrors;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's own readers can keep SQLite from resetting its WAL, which then grows with every write (an outside probe filled
 * the volume every tenant shares). The applier resets it past a bound, waiting for the readers; readers that outlast the
 * wait make it a machine failure the heavy lane waits out, the tenant's writes behind it.
 */
class WalResetTest {
    @TempDir Path hot;

    @Test
    void aWalHeldByAReaderGrowsAndIsResetOnceTheReaderEndsAndAReaderOutlastingTheWaitIsAMachineFailure() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        try (TenantDatabasePool pool = new TenantDatabasePool(files, SqliteLimits.WRITE_DEFAULTS, 16)) {
            TenantDatabase db = pool.create("acme");
            write(db, "CREATE TABLE t (v BLOB)");
            try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + files.database("acme"))) {
                reader.setAutoCommit(false);
                try (Statement r = reader.createStatement(); ResultSet rs = r.executeQuery("SELECT count(*) FROM t")) {
                    rs.next(); // its snapshot is held until the transaction ends
                    for (int i = 0; i < 12; i++) write(db, "INSERT INTO t VALUES (zeroblob(1000000))");
                    assertThat(db.walOver(8L << 20)).as("SQLite's own checkpoints could not reset it").isTrue();
                    assertThatThrownBy(() -> db.resetWal(200)).isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(SqliteErrors.isMachineFailure(e)).as("waited out, never a verdict").isTrue());
                }
                reader.rollback();
            }
            db.resetWal(2_000);
            assertThat(db.walOver(0)).as("truncated").isFalse();
            write(db, "INSERT INTO t VALUES (1)");
            try (Statement s = db.connection().createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                assertThat(rs.getLong(1)).as("nothing lost").isEqualTo(13);
            }
            pool.release(db);
        }
    }

    @Test
    void aLargeWalIsCutBackAfterTheWriteThatGrewItUnlessAReaderHoldsIt() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        try (TenantDatabasePool pool = new TenantDatabasePool(files, SqliteLimits.WRITE_DEFAULTS, 16)) {
            TenantDatabase db = pool.create("big");
            write(db, "CREATE TABLE t (v BLOB)");
            write(db, "INSERT INTO t VALUES (zeroblob(4000000))");
            pool.release(db);
            assertThat(db.walOver(1L << 20)).as("SQLite's checkpoint copies the WAL but leaves its file").isTrue();
            try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + files.database("big"))) {
                reader.setAutoCommit(false);
                try (Statement r = reader.createStatement(); ResultSet rs = r.executeQuery("SELECT count(*) FROM t")) {
                    rs.next();
                    pool.cutBackLargeWal("big", 1L << 20);
                    assertThat(db.walOver(1L << 20)).as("a reader holds it: left for the tenant's next write").isTrue();
                }
                reader.rollback();
            }
            pool.cutBackLargeWal("big", 1L << 20);
            assertThat(db.walOver(0)).as("cut back to nothing").isFalse();
        }
    }

    private static void write(TenantDatabase db, String sql) throws SQLException {
        db.beginIfNeeded();
        try (Statement s = db.connection().createStatement()) {
            s.execute(sql);
        }
        db.commit();
    }
}
