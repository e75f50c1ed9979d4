package io.cairn.edge.read;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** Writes tenant files the way the applier does: Cairn's tables plus data, position in the same transaction. */
public final class SqliteFixture {
    private SqliteFixture() {}

    /** Opens (creating) the tenant's file writable, with Cairn's schema and the given applied position. */
    public static TenantConnection create(TenantFiles files, String tenant, int partition, long offset) throws SQLException {
        files.prepare(tenant);
        TenantConnection c = SqliteConnections.openWritable(tenant, files.database(tenant), SqliteLimits.WRITE_DEFAULTS);
        Connection conn = c.connection();
        conn.setAutoCommit(false);
        TenantSchema.create(conn);
        setPosition(conn, partition, offset);
        conn.commit();
        return c;
    }

    /** Runs {@code sql} and moves the applied position, in one transaction. */
    public static void apply(TenantConnection c, int partition, long offset, String... sql) throws SQLException {
        Connection conn = c.connection();
        try (Statement s = conn.createStatement()) {
            for (String q : sql) s.execute(q);
        }
        setPosition(conn, partition, offset);
        conn.commit();
    }

    private static void setPosition(Connection conn, int partition, long offset) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT OR REPLACE INTO _cairn_applied (id, log_partition, log_offset) VALUES (0, ?, ?)")) {
            ps.setInt(1, partition);
            ps.setLong(2, offset);
            ps.executeUpdate();
        }
    }
}
