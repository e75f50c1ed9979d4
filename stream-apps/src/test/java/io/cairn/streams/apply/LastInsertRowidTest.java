package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantSchema;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;

/**
 * The quick budget's wall clock interrupts whatever statement runs when it passes (a loaded machine: a tiny write's
 * 200 ms), the applier's own {@code SELECT last_insert_rowid()} too; sqlite-jdbc then finalizes that statement. Kept
 * aside, it failed every later write of the tenant with "statement is not executing" until the file was closed: 134
 * writes answered {@code sql_error} in an outside probe, which the tenant's rebuild then applied.
 */
class LastInsertRowidTest {
    @TempDir Path dir;

    @Test
    void aStatementInterruptedOnceDoesNotFailEveryLaterWrite() throws Exception {
        try (TenantDatabase db = TenantDatabase.open("acme", dir.resolve("acme.db"), SqliteLimits.WRITE_DEFAULTS)) {
            TenantSchema.create(db.connection());
            assertThat(db.lastInsertRowid()).isZero();
            try (ResultSet running = db.connection().createStatement().executeQuery("SELECT 1 UNION ALL SELECT 2")) {
                running.next(); // a statement under way: the interrupt reaches the next one started, as the deadline's does
                ((SQLiteConnection) db.connection()).getDatabase().interrupt();
                assertThatThrownBy(db::lastInsertRowid).isInstanceOf(SQLException.class);
            }
            db.execute("CREATE TABLE t (x)");
            db.execute("INSERT INTO t VALUES (1)");
            assertThat(db.lastInsertRowid()).as("asked again after the interrupt").isEqualTo(1);
        }
    }
}
