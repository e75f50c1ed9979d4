package io.cairn.tenantdb.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The migration versions a tenant's content is at, as its exports carry them: {@code _cairn_migrations} (set, version,
 * checksum, run, time), the one table of Cairn's an export keeps, as Cloudflare D1's exports keep {@code d1_migrations}
 * and Flyway's databases {@code flyway_schema_history}. Imported again, the content is at exactly those versions. Told
 * from its schema alone, a version that changes data only (seed rows) could not be told from the one before it.
 *
 * <p>In a SQL dump the table is its {@link #CREATE} and one {@code INSERT INTO "_cairn_migrations" VALUES(...)} per
 * row, of literals only ({@link #parseInsert}); nothing else may name the table.
 */
public final class MigrationHistory {
    /** The table. */
    public static final String TABLE = "_cairn_migrations";
    /** Its create statement as {@code sqlite_schema} keeps it, and so as a dump writes it. */
    public static final String CREATE = TenantSchema.MIGRATIONS.replace(" IF NOT EXISTS", "");

    private static final Pattern INSERT = Pattern.compile("INSERT\\s+INTO\\s+(?:\"_cairn_migrations\"|_cairn_migrations)\\s+VALUES\\s*\\("
            + "'([a-z0-9][a-z0-9_-]{0,62})',\\s*([0-9]{1,9}),\\s*'([0-9a-f]{64})',\\s*'([A-Za-z0-9._:-]{0,128})',\\s*([0-9]{1,19})\\)\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);

    // No \b after the name: between a closing quote and a space there is no word boundary, and the quoted form, the one a
    // dump writes, was never taken for an INSERT of the table (a malformed row was reserved_name, not invalid_import).
    private static final Pattern ANY_INSERT = Pattern.compile("INSERT\\s+INTO\\s+(?:\"_cairn_migrations\"|_cairn_migrations(?![A-Za-z0-9_$])).*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private MigrationHistory() {}

    /** Whether {@code statement} is an INSERT into the table at all, well-formed ({@link #parseInsert}) or not. */
    public static boolean isInsert(String statement) {
        return ANY_INSERT.matcher(statement.strip()).matches();
    }

    /** One version applied: its set, number and checksum, the run that applied it and when. */
    public record Row(String set, int version, String checksum, String runId, long appliedAtMs) {}

    /** Whether {@code statement} is the table's create statement (spacing and case aside). */
    public static boolean isCreate(String statement) {
        return normalised(statement).equals(normalised(CREATE));
    }

    /** The row a dump's INSERT of the table holds; empty when {@code statement} is not such an INSERT. */
    public static Optional<Row> parseInsert(String statement) {
        Matcher m = INSERT.matcher(statement.strip());
        if (!m.matches()) return Optional.empty();
        return Optional.of(new Row(m.group(1), Integer.parseInt(m.group(2)), m.group(3), m.group(4), Long.parseLong(m.group(5))));
    }

    /** Adds {@code row} to {@code c}'s table, which must exist. */
    public static void insert(Connection c, Row row) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO " + TABLE + " VALUES (?, ?, ?, ?, ?)")) {
            p.setString(1, row.set());
            p.setInt(2, row.version());
            p.setString(3, row.checksum());
            p.setString(4, row.runId());
            p.setLong(5, row.appliedAtMs());
            p.executeUpdate();
        }
    }

    /** Whether {@code c}'s main database has the table, however made. */
    public static boolean present(Connection c) throws SQLException {
        return createdBy(c) != null;
    }

    /** Whether the table of {@code c} is Cairn's: made by {@link #CREATE}, so its columns and key are as Cairn reads them. */
    public static boolean isCairns(Connection c) throws SQLException {
        String sql = createdBy(c);
        return sql != null && isCreate(sql);
    }

    private static String createdBy(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?")) {
            p.setString(1, TABLE);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The table's rows by set and version; empty when there is no table. */
    public static List<Row> read(Connection c) throws SQLException {
        List<Row> rows = new ArrayList<>();
        if (!present(c)) return rows;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT set_name, version, checksum, run_id, applied_at_ms FROM " + TABLE + " ORDER BY set_name, version")) {
            while (rs.next()) rows.add(new Row(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
        }
        return rows;
    }

    private static String normalised(String sql) {
        return sql.strip().replaceAll(";\\s*$", "").replaceAll("\\s+", " ").replace("( ", "(").replace(" )", ")").toUpperCase(Locale.ROOT);
    }
}
