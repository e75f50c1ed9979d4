package io.cairn.tenantdb.sql;

import io.cairn.tenantdb.sqlite.TenantSchema;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A SHA-256 of what a tenant's database says, not of how the file lays it out: two copies with equal
 * content (one VACUUMed, one with rows inserted and deleted, one restored from a snapshot) hash the
 * same, and any difference a query could see changes the hash. It proves replicas and rebuilt copies equal.
 *
 * <p>What is hashed, in this order, each item length- and type-framed so that no two different
 * contents can produce the same byte stream:
 * <ol>
 *   <li>Every table in {@code sqlite_schema}, by name (binary order): its CREATE text, then every row's
 *       stored values. Rows come in key order when the table has a unique non-null key (an INTEGER
 *       PRIMARY KEY, which is the rowid, or a WITHOUT ROWID primary key); otherwise as a multiset (each
 *       row hashed alone, the row hashes summed modulo 2^256), because an implicit rowid is not content:
 *       VACUUM renumbers it (measured on 3.54, and documented by SQLite). Values are hashed with their storage class (null, integer, real as
 *       IEEE bits, text as its stored bytes, blob). Virtual tables contribute their CREATE text only:
 *       their content lives in their shadow tables, which are ordinary tables and hashed as such.</li>
 *   <li>{@code sqlite_sequence} rows (AUTOINCREMENT counters decide future ids, so they are content).</li>
 *   <li>Every index, view and trigger, by name: type, name and CREATE text (automatic indexes have none).</li>
 * </ol>
 * Cairn's own {@code _cairn_} tables are left out: the checksum speaks of the tenant's content only,
 * and the applied position it would add is already in the bookmark it is compared at. Other
 * {@code sqlite_} tables (statistics from ANALYZE) are derived data and left out.
 *
 * <p>Reads in one transaction of the caller's choosing: call it inside a read transaction (or on an
 * idle connection, where each query is its own) so the hash describes one state. Cost is a full scan.
 */
public final class LogicalChecksum {
    private static final byte NULL = 0, INTEGER = 1, REAL = 2, TEXT = 3, BLOB = 4, ROW = 5, TABLE = 6, OBJECT = 7, MULTISET = 8;
    private static final String USER_OBJECTS = "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '"
            + TenantSchema.RESERVED_PREFIX.replace("_", "\\_") + "%' ESCAPE '\\'";

    private LogicalChecksum() {}

    /** Lower-case hex SHA-256 of the logical content: schema and every row of every table, in a defined order. */
    public static String sha256Hex(Connection conn) throws SQLException {
        MessageDigest md = sha256();
        // PRAGMA statements, never the pragma_* table functions: a tenant's object of that name would
        // shadow the function (the policy refuses such names; files from before may still have one).
        Map<String, String[]> tableList = new HashMap<>();
        for (String[] t : query(conn, "PRAGMA main.table_list")) tableList.put(t[1], t); // schema, name, type, ncol, wr, strict
        for (String[] table : query(conn, "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND " + USER_OBJECTS
                + " ORDER BY name COLLATE BINARY")) {
            frame(md, TABLE, table[0]);
            frame(md, TEXT, table[1]);
            String[] listed = tableList.get(table[0]);
            boolean virtual = listed != null && "virtual".equals(listed[2]);
            boolean withoutRowid = listed != null && "1".equals(listed[4]);
            if (!virtual) hashRows(md, conn, table[0], withoutRowid);
        }
        if (!query(conn, "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'").isEmpty()) {
            frame(md, TABLE, "sqlite_sequence");
            for (String[] seq : query(conn, "SELECT name, seq FROM sqlite_sequence WHERE " + USER_OBJECTS + " ORDER BY name COLLATE BINARY")) {
                frame(md, TEXT, seq[0]);
                frame(md, TEXT, seq[1]);
            }
        }
        for (String[] obj : query(conn, "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'view', 'trigger') AND "
                + USER_OBJECTS + " AND tbl_name NOT LIKE '" + TenantSchema.RESERVED_PREFIX.replace("_", "\\_") + "%' ESCAPE '\\'"
                + " ORDER BY name COLLATE BINARY")) {
            md.update(OBJECT);
            for (String s : obj) frame(md, s == null ? NULL : TEXT, s);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void hashRows(MessageDigest md, Connection conn, String table, boolean withoutRowid) throws SQLException {
        List<String> columns = new ArrayList<>();
        List<String[]> pk = new ArrayList<>();
        // table_xinfo: cid, name, type, notnull, dflt_value, pk, hidden; in cid order. hidden: 0 ordinary,
        // 1 hidden (virtual tables), 2 generated VIRTUAL (computed on read, from the stored columns),
        // 3 generated STORED. Only stored values are content.
        for (String[] c : query(conn, "PRAGMA main.table_xinfo(" + literal(table) + ")")) {
            if ("0".equals(c[6]) || "3".equals(c[6])) columns.add(quote(c[1]));
            if (!"0".equals(c[5])) pk.add(c);
        }
        pk.sort(Comparator.comparingInt(c -> Integer.parseInt(c[5])));
        boolean integerKey = pk.size() == 1 && "INTEGER".equalsIgnoreCase(pk.get(0)[2]);
        boolean multiset = !withoutRowid && !integerKey;
        // Two result columns a stored column (its type, its value): a table of more than COLUMNS_PER_READ columns is
        // read in slices, each in the same row order, walked in step (SQLite returns at most 2,000 columns; a table
        // may have 2,000, and one of 1,001 failed the checksum with "too many columns in result set").
        List<List<String>> slices = new ArrayList<>();
        for (int i = 0; i < columns.size(); i += COLUMNS_PER_READ) slices.add(columns.subList(i, Math.min(columns.size(), i + COLUMNS_PER_READ)));
        String order = null;
        if (!multiset) {
            List<String> keys = new ArrayList<>();
            for (String[] k : pk) keys.add(quote(k[1]));
            order = String.join(", ", keys);
        } else if (slices.size() > 1) {
            order = rowidName(columns); // any order, the same for every slice: the rowid's, within this read transaction
        }
        List<Statement> statements = new ArrayList<>();
        List<ResultSet> reads = new ArrayList<>();
        try {
            for (List<String> slice : slices) {
                StringBuilder sql = new StringBuilder("SELECT ");
                for (String c : slice) sql.append("typeof(").append(c).append("), ").append(c).append(", ");
                sql.setLength(sql.length() - 2);
                sql.append(" FROM ").append(quote(table));
                if (order != null) sql.append(" ORDER BY ").append(order);
                Statement s = conn.createStatement();
                statements.add(s);
                reads.add(s.executeQuery(sql.toString()));
            }
            if (multiset) hashMultiset(md, reads);
            else while (next(reads)) hashRow(md, reads);
        } finally {
            for (Statement s : statements) s.close();
        }
    }

    /** Stored columns read by one SELECT (each is two result columns; SQLite returns at most 2,000). */
    static final int COLUMNS_PER_READ = 900;

    /** A name of the rowid no column of the table takes. */
    private static String rowidName(List<String> quotedColumns) {
        for (String name : List.of("rowid", "_rowid_", "oid")) {
            if (quotedColumns.stream().noneMatch(c -> c.equalsIgnoreCase(quote(name)))) return name;
        }
        throw new IllegalStateException("every name of the rowid is a column's: the table's rows cannot be read in step");
    }

    /** Moves every slice to its next row; false when they are done (all at once: they read the same rows). */
    private static boolean next(List<ResultSet> reads) throws SQLException {
        boolean more = reads.getFirst().next();
        for (int i = 1; i < reads.size(); i++) {
            if (reads.get(i).next() != more) throw new IllegalStateException("the slices of a table's rows came apart");
        }
        return more;
    }

    /** One row: each slice's values (column {@code i} typeof(v), column {@code i + 1} v), in column order. */
    private static void hashRow(MessageDigest md, List<ResultSet> reads) throws SQLException {
        md.update(ROW);
        for (ResultSet rs : reads) {
            int n = rs.getMetaData().getColumnCount();
            for (int i = 1; i < n; i += 2) value(md, rs, i);
        }
    }

    private static final BigInteger TWO_TO_256 = BigInteger.ONE.shiftLeft(256);

    /**
     * Rows without a unique non-null key are a multiset: each row is hashed alone, and the row hashes are added modulo
     * 2^256, which no order changes (a sum, not an XOR, so two equal rows do not cancel), then the sum and the count
     * are hashed. Sorting the rows by every value instead made SQLite build sort records of twice a row, past its
     * 64 MiB limit for a row of one 40 MB value: the checksum failed (outside probe).
     */
    private static void hashMultiset(MessageDigest md, List<ResultSet> reads) throws SQLException {
        BigInteger sum = BigInteger.ZERO;
        long rows = 0;
        MessageDigest row = sha256();
        while (next(reads)) {
            hashRow(row, reads);
            sum = sum.add(new BigInteger(1, row.digest())).mod(TWO_TO_256);
            rows++;
        }
        byte[] bytes = sum.toByteArray(); // big-endian, at most 33 bytes (a leading sign byte)
        byte[] fixed = new byte[32];
        int len = Math.min(32, bytes.length);
        System.arraycopy(bytes, bytes.length - len, fixed, 32 - len, len);
        md.update(ByteBuffer.allocate(9).put(MULTISET).putLong(rows).array());
        md.update(fixed);
    }

    /** Column {@code i} holds typeof(v), column {@code i + 1} the value v. */
    private static void value(MessageDigest md, ResultSet rs, int i) throws SQLException {
        switch (rs.getString(i)) {
            case "integer" -> md.update(ByteBuffer.allocate(9).put(INTEGER).putLong(rs.getLong(i + 1)).array());
            case "real" -> md.update(ByteBuffer.allocate(9).put(REAL).putLong(Double.doubleToLongBits(rs.getDouble(i + 1))).array());
            // getBytes gives a text value's stored bytes: decoding to a String could merge distinct invalid sequences.
            case "text" -> frame(md, TEXT, rs.getBytes(i + 1));
            case "blob" -> frame(md, BLOB, rs.getBytes(i + 1));
            default -> md.update(NULL);
        }
    }

    private static void frame(MessageDigest md, byte tag, String s) {
        frame(md, tag, s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8));
    }

    private static void frame(MessageDigest md, byte tag, byte[] b) {
        byte[] bytes = b == null ? new byte[0] : b;
        md.update(ByteBuffer.allocate(5).put(tag).putInt(bytes.length).array());
        md.update(bytes);
    }

    private static List<String[]> query(Connection conn, String sql) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                String[] row = new String[n];
                for (int i = 0; i < n; i++) row[i] = rs.getString(i + 1);
                rows.add(row);
            }
        }
        return rows;
    }

    private static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String literal(String s) {
        return '\'' + s.replace("'", "''") + '\'';
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
