package io.cairn.tenantdb.sql;

import io.cairn.topics.ErrorCode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A bound on a tenant's schema: the bytes of the CREATE text in its {@code sqlite_schema}. SQLite parses the whole
 * schema when a connection first reads the file, and again after any change to it or a rollback of one, and the
 * applier does that on the thread the partition's tenants share: a tenant of 10,000 tables of 60 columns, or of 500
 * triggers of 96 KB (48 MB, far under its size quota), held every tenant's writes for 1 to 5 s at each reopen and at
 * each of its own schema changes. 2 MiB is a few thousand tables and is parsed in tens of milliseconds.
 */
public final class SchemaSize {
    /** The most CREATE text a tenant's schema may hold (Cairn's own tables are a few KiB of it). */
    public static final long MAX_BYTES = 2L << 20;

    private SchemaSize() {}

    /** The bytes of CREATE text in the database's schema. */
    public static long bytes(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(sum(length(CAST(sql AS BLOB))), 0) FROM main.sqlite_schema")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Refuses, with {@code quota_exceeded}, a schema holding more than {@link #MAX_BYTES}. */
    public static void refuseOver(Connection c) throws SQLException, SqlRefusal {
        long bytes = bytes(c);
        if (bytes > MAX_BYTES) {
            throw new SqlRefusal(ErrorCode.QUOTA_EXCEEDED, "the tenant's schema would hold " + bytes + " bytes of CREATE text, past its limit of "
                    + MAX_BYTES + " (2 MiB): every connection parses all of it; drop tables, indexes, views or triggers no longer needed,"
                    + " or keep fewer, larger tables");
        }
    }
}
