package io.cairn.tenantdb.sqlite;

import java.io.IOException;
import java.io.Writer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A tenant's content as SQL text, like the sqlite3 shell's {@code .dump} without its transaction
 * statements: each table's {@code CREATE TABLE} and its rows as {@code INSERT}s (integers exact, reals
 * round-tripping, text quoted, blobs as {@code X'..'}, text that is not valid UTF-8 or holds NUL as
 * {@code CAST(X'..' AS TEXT)}, byte for byte), then indexes, views and triggers. A virtual table (FTS,
 * R*Tree) comes first as its {@code CREATE VIRTUAL TABLE}, which makes its internal tables; their rows follow
 * after a {@code DELETE} of what the creation put there, so the index is the original's, without the sqlite3
 * shell's {@code PRAGMA writable_schema}. Generated columns are left to SQLite to compute. SQLite's AUTOINCREMENT
 * counters ({@code sqlite_sequence}) and planner statistics ({@code sqlite_stat1}) follow the rows, as in sqlite3's
 * dump; Cairn's own {@code _cairn_} tables, and their rows in those two, are left out, but for the migration
 * versions the content is at ({@link MigrationHistory}). Read it in one read transaction for a consistent dump.
 */
public final class SqlDump {
    private SqlDump() {}

    /** Writes the dump of {@code c}'s main database to {@code out}; returns the rows of the tenant's tables written. */
    public static long write(Connection c, Writer out) throws SQLException, IOException {
        String kept = "'" + MigrationHistory.TABLE + "'";
        String own = "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND (name = " + kept + " OR name NOT LIKE '"
                + TenantSchema.RESERVED_PREFIX.replace("_", "\\_") + "%' ESCAPE '\\')";
        List<String[]> tables = new ArrayList<>();
        List<String> others = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT type, name, sql FROM main.sqlite_schema WHERE sql IS NOT NULL AND " + own
                     + " AND (tbl_name = " + kept + " OR tbl_name NOT LIKE '" + TenantSchema.RESERVED_PREFIX.replace("_", "\\_") + "%' ESCAPE '\\')"
                     + " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid")) {
            while (rs.next()) {
                if (rs.getString(1).equals("table")) tables.add(new String[] {rs.getString(2), rs.getString(3)});
                else others.add(rs.getString(3));
            }
        }
        // Lower-case names, from sqlite_schema alone: pragma_table_list would compile every view.
        java.util.Set<String> shadows = io.cairn.tenantdb.sql.ShadowTables.names(c);
        for (String[] t : tables) {
            if (isVirtual(t[1])) {
                out.write(t[1]);
                out.write(";\n");
            }
        }
        long rows = 0;
        for (String[] t : tables) {
            if (isVirtual(t[1])) continue;
            String quoted = quote(t[0]);
            if (shadows.contains(t[0].toLowerCase(java.util.Locale.ROOT))) {
                out.write("DELETE FROM " + quoted + ";\n"); // what CREATE VIRTUAL TABLE put there; the original's rows follow
            } else {
                out.write(t[1]);
                out.write(";\n");
            }
            rows += rows(c, out, quoted, "SELECT " + storedColumns(c, t[0]) + " FROM main." + quoted);
        }
        sqliteTable(c, out, "sqlite_stat1", "tbl", "ANALYZE sqlite_schema;\n");
        sqliteTable(c, out, "sqlite_sequence", "name", "DELETE FROM sqlite_sequence;\n");
        for (String sql : others) {
            out.write(sql);
            out.write(";\n");
        }
        return rows;
    }

    /** The columns an INSERT gives values for: all but generated ones, which SQLite computes (as sqlite3's dump does). */
    private static String storedColumns(Connection c, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (java.sql.PreparedStatement p = c.prepareStatement("SELECT name FROM pragma_table_xinfo(?, 'main') WHERE hidden NOT IN (2, 3) ORDER BY cid")) {
            p.setString(1, table);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) names.add(quote(rs.getString(1)));
            }
        }
        return String.join(", ", names);
    }

    /**
     * SQLite's own table {@code name} (the AUTOINCREMENT counters, the planner's statistics), as sqlite3's dump
     * writes it: {@code prologue} (which makes the table, or empties it), then its rows, Cairn's own left out.
     * Without the counters, an AUTOINCREMENT table would hand out again the ids of its deleted last rows.
     */
    private static void sqliteTable(Connection c, Writer out, String name, String tableColumn, String prologue) throws SQLException, IOException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = '" + name + "'")) {
            if (!rs.next()) return;
        }
        out.write(prologue);
        rows(c, out, name, "SELECT * FROM main." + name + " WHERE " + tableColumn + " NOT LIKE '"
                + TenantSchema.RESERVED_PREFIX.replace("_", "\\_") + "%' ESCAPE '\\' ORDER BY rowid");
    }

    /** One INSERT INTO {@code into} per row of {@code select}; returns the rows written. */
    private static long rows(Connection c, Writer out, String into, String select) throws SQLException, IOException {
        long rows = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                out.write("INSERT INTO ");
                out.write(into);
                out.write(" VALUES(");
                for (int i = 1; i <= columns; i++) {
                    if (i > 1) out.write(',');
                    out.write(literal(rs, i));
                }
                out.write(");\n");
                rows++;
            }
        }
        return rows;
    }

    private static boolean isVirtual(String createSql) {
        return createSql.toUpperCase(java.util.Locale.ROOT).startsWith("CREATE VIRTUAL TABLE");
    }

    /** {@code name} as an SQL identifier. */
    public static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String literal(ResultSet rs, int i) throws SQLException {
        Object v = rs.getObject(i);
        if (v == null) return "NULL";
        return switch (v) {
            case Integer n -> Long.toString(n);
            case Long n -> Long.toString(n);
            case Double d -> real(d);
            case Float f -> real(f.doubleValue());
            case byte[] b -> "X'" + HexFormat.of().formatHex(b) + "'";
            default -> rs.getMetaData().getColumnType(i) == Types.BLOB ? "X'" + HexFormat.of().formatHex(rs.getBytes(i)) + "'"
                    : text(rs.getBytes(i));
        };
    }

    /** Text as a literal; its exact bytes ({@code CAST(X'..' AS TEXT)}) when it is not valid UTF-8 or holds NUL, which a literal cannot carry. */
    private static String text(byte[] utf8) {
        java.nio.charset.CharsetDecoder strict = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT).onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        try {
            String s = strict.decode(java.nio.ByteBuffer.wrap(utf8)).toString();
            if (s.indexOf('\0') < 0) return "'" + s.replace("'", "''") + "'";
        } catch (java.nio.charset.CharacterCodingException notUtf8) {
            // falls through to the bytes
        }
        return "CAST(X'" + HexFormat.of().formatHex(utf8) + "' AS TEXT)";
    }

    private static String real(double d) {
        if (Double.isNaN(d)) return "NULL";
        if (Double.isInfinite(d)) return d > 0 ? "1e999" : "-1e999";
        String s = Double.toString(d);
        return s.contains(".") || s.contains("E") ? s : s + ".0";
    }
}
