package io.cairn.tenantdb.sqlite;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * SHA-256 (hex) of a database's own schema: type, name, table and CREATE text of every object in {@code
 * sqlite_schema} but Cairn's ({@code _cairn_}) and SQLite's internal ones, in name order. The same schema built
 * the same way hashes the same on every node; the drift check compares tenants' hashes with what a migration
 * set's versions build.
 */
public final class SchemaDigest {
    private static final String OBJECTS = "SELECT type, name, tbl_name, coalesce(sql, '') FROM main.sqlite_schema"
            + " WHERE name NOT LIKE '\\_cairn\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name";

    private SchemaDigest() {}

    public static String of(Connection c) throws SQLException {
        try (var ps = c.prepareStatement(OBJECTS); ResultSet rs = ps.executeQuery()) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            while (rs.next()) {
                for (int i = 1; i <= 4; i++) {
                    sha.update(rs.getString(i).getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) 0);
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
