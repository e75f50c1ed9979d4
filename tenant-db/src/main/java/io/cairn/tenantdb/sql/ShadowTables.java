package io.cairn.tenantdb.sql;

import io.cairn.topics.ErrorCode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps tenant writes out of virtual tables' internal tables (FTS5's {@code f_data}, an R*Tree's {@code r_node}, ...).
 * SQLite lets ordinary SQL write them unless the connection is in defensive mode, which sqlite-jdbc cannot set; a
 * write there leaves the virtual table inconsistent, which every copy and every replay reproduces. So a write that
 * names one is refused ({@code forbidden_statement}), and so is a schema change after which a trigger would name one
 * (a trigger written before the virtual table existed, or renamed into its names). Reads may still look at them.
 */
public final class ShadowTables {
    private ShadowTables() {}

    /**
     * The lower-case names of the main database's internal tables of virtual tables (SQLite's {@code shadow} type).
     * Only tables named {@code <virtual table>_<suffix>} can be one, as in SQLite's own test; each such candidate is
     * then asked about. Virtual tables are the tables without a root page, found without reading any table's SQL text.
     * Asking {@code pragma_table_list} about every table instead counts each one's columns: 24 ms a call at 13,000
     * tables (this, 0.5 ms), and it runs after every CREATE or ALTER of a write.
     */
    public static Set<String> names(Connection c) throws SQLException {
        List<String> virtualTables = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM main.sqlite_schema WHERE type = 'table' AND rootpage = 0")) {
            // Lower-cased in Java on both sides, past ASCII (SQLite's lower() stops there), so no spelling of a name slips by.
            while (rs.next()) virtualTables.add(rs.getString(1).toLowerCase(Locale.ROOT));
        }
        Set<String> shadows = new HashSet<>();
        if (virtualTables.isEmpty()) return shadows;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM main.sqlite_schema WHERE type = 'table'");
             PreparedStatement kind = c.prepareStatement("SELECT 1 FROM pragma_table_list(?) WHERE schema = 'main' AND type = 'shadow'")) {
            while (rs.next()) {
                String name = rs.getString(1);
                String lower = name.toLowerCase(Locale.ROOT);
                if (virtualTables.stream().noneMatch(v -> lower.length() > v.length() + 1 && lower.startsWith(v + "_"))) continue;
                kind.setString(1, name);
                try (ResultSet k = kind.executeQuery()) {
                    if (k.next()) shadows.add(lower);
                }
            }
        }
        return shadows;
    }

    /** Refuses {@code sql} when it names one of {@code shadows} (bare or quoted). */
    public static void refuseNaming(String sql, Set<String> shadows) throws SqlRefusal {
        if (shadows.isEmpty()) return;
        String named = named(sql, shadows);
        if (named != null) {
            throw new SqlRefusal(ErrorCode.FORBIDDEN_STATEMENT, named + " is an internal table of a virtual table: a write there would leave"
                    + " the virtual table inconsistent; write to the virtual table itself");
        }
    }

    /** Refuses the schema as it is now when one of its triggers names one of {@code shadows}. */
    public static void refuseTriggersNaming(Connection c, Set<String> shadows) throws SQLException, SqlRefusal {
        if (shadows.isEmpty()) return;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, sql FROM main.sqlite_schema WHERE type = 'trigger' AND sql IS NOT NULL")) {
            while (rs.next()) {
                String named = named(rs.getString(2), shadows);
                if (named != null) {
                    throw new SqlRefusal(ErrorCode.FORBIDDEN_STATEMENT, "trigger " + rs.getString(1) + " would write " + named
                            + ", an internal table of a virtual table: drop or change the trigger first");
                }
            }
        }
    }

    /**
     * Whether {@code sql} starts (after comments) with CREATE or ALTER: a statement that may add or rename tables,
     * a virtual table's internal ones with them.
     */
    public static boolean mayChangeSchema(String sql) throws SqlRefusal {
        String upper = sql.toUpperCase(Locale.ROOT);
        if (!upper.contains("CREATE") && !upper.contains("ALTER")) return false;
        for (Token t : SqlLexer.tokenize(sql)) {
            if (t.insignificant()) continue;
            return t.kind() == Token.Kind.WORD && (t.text().equalsIgnoreCase("CREATE") || t.text().equalsIgnoreCase("ALTER"));
        }
        return false;
    }

    /** Words after which SQLite reads a string literal as a table's name ({@code INSERT INTO 'f_data'}). */
    private static final Set<String> BEFORE_A_TABLE = Set.of("INTO", "UPDATE", "FROM", "TABLE", "JOIN", "ON", "EXISTS", "REPLACE",
            "IGNORE", "ABORT", "FAIL", "ROLLBACK");

    /**
     * The first name in {@code sql} that is one of {@code shadows}, as written; null when none is. Bare and quoted
     * identifiers count anywhere; a string literal only where SQLite would read it as a table's name, so a value
     * that happens to spell one is no name.
     */
    private static String named(String sql, Set<String> shadows) throws SqlRefusal {
        String previous = "";
        for (Token t : SqlLexer.tokenize(sql)) {
            if (t.insignificant()) continue;
            String name = switch (t.kind()) {
                case WORD -> t.text();
                case QUOTED_ID -> t.text().length() >= 2 ? t.text().substring(1, t.text().length() - 1) : "";
                case STRING -> BEFORE_A_TABLE.contains(previous) && t.text().length() >= 2 ? t.text().substring(1, t.text().length() - 1) : null;
                default -> null;
            };
            if (name != null && shadows.contains(name.toLowerCase(Locale.ROOT))) return name;
            previous = t.kind() == Token.Kind.WORD ? t.text().toUpperCase(Locale.ROOT) : "";
        }
        return null;
    }
}
