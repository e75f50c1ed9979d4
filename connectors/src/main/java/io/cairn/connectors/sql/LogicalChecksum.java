package io.cairn.connectors.sql;

import java.sql.Connection;
import java.sql.SQLException;

/** STUB: to be replaced. Signatures are the contract. */
public final class LogicalChecksum {
    private LogicalChecksum() {}

    /** Lower-case hex SHA-256 of the logical content: schema and every row of every table, in a defined order. */
    public static String sha256Hex(Connection conn) throws SQLException {
        return "";
    }
}
