package io.cairn.edge.read;

import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * A misdirected write, as a disk or a file system might make one: a valid leaf page of {@code table}
     * copied over another one of the same table. Every page still parses; the table now has rows out
     * of order and twice. Checkpoints the WAL first, so the pages are in the file.
     */
    public static void misdirectPage(Path db, String table) throws Exception {
        List<Long> leaves = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            try (ResultSet rs = s.executeQuery("SELECT pageno FROM dbstat WHERE name = '" + table + "' AND pagetype = 'leaf' ORDER BY pageno")) {
                while (rs.next()) leaves.add(rs.getLong(1));
            }
        }
        if (leaves.size() < 3) throw new IllegalStateException(table + " has " + leaves.size() + " leaf pages; needs 3");
        try (FileChannel ch = FileChannel.open(db, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer page = ByteBuffer.allocate(SqliteConnections.PAGE_SIZE);
            ch.read(page, (leaves.get(0) - 1) * SqliteConnections.PAGE_SIZE);
            page.flip();
            ch.write(page, (leaves.get(2) - 1) * SqliteConnections.PAGE_SIZE);
        }
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
