package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files made by older releases get the tables and columns added since, when the applier opens them. */
class TenantSchemaTest {
    @TempDir Path dir;

    @Test
    void aFileMissingLaterTablesOrColumnsGetsThem() throws Exception {
        try (TenantConnection c = SqliteConnections.openWritable("old", dir.resolve("old.db"), SqliteLimits.WRITE_DEFAULTS);
             Statement s = c.connection().createStatement()) {
            TenantSchema.create(c.connection());
            s.execute("DROP TABLE _cairn_snapshots");
            s.execute("ALTER TABLE _cairn_tenant DROP COLUMN data_key_id");
            s.execute("ALTER TABLE _cairn_tenant DROP COLUMN last_write_offset");

            TenantSchema.ensureLaterTables(c.connection());

            assertThat(tables(c.connection())).contains("_cairn_snapshots", "_cairn_usage", "_cairn_migrations", "_cairn_migration_status");
            assertThat(columns(c.connection())).contains("created_offset", "last_write_offset", "data_key_id");
            TenantSchema.ensureLaterTables(c.connection()); // and again: nothing to do
            assertThat(columns(c.connection())).contains("data_key_id");
        }
    }

    @Test
    void aFileCairnNeverInitialisedIsLeftAsItIs() throws Exception {
        try (TenantConnection c = SqliteConnections.openWritable("new", dir.resolve("new.db"), SqliteLimits.WRITE_DEFAULTS)) {
            TenantSchema.ensureLaterTables(c.connection());
            assertThat(tables(c.connection())).isEmpty();
        }
    }

    private static java.util.List<String> tables(Connection c) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery("SELECT name FROM sqlite_schema WHERE type = 'table'")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static java.util.List<String> columns(Connection c) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery("SELECT name FROM pragma_table_info('_cairn_tenant')")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
