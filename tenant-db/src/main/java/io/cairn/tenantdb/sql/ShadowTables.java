package io.cairn.tenantdb.sql;

import io.cairn.topics.ErrorCode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
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

    private static final Set<String> FTS3_SHADOWS = Set.of("content", "docsize", "segdir", "segments", "stat");
    private static final Set<String> RTREE_SHADOWS = Set.of("node", "parent", "rowid");
    /**
     * The suffixes each module of the bundled SQLite calls its internal tables' (its {@code xShadowName}); the modules not
     * here have none. {@code ShadowTablesTest} holds it to the bundled SQLite's own answer and module list.
     */
    static final Map<String, Set<String>> SHADOW_SUFFIXES = Map.of("fts3", FTS3_SHADOWS, "fts4", FTS3_SHADOWS,
            "fts5", Set.of("config", "content", "data", "docsize", "idx"), "rtree", RTREE_SHADOWS, "rtree_i32", RTREE_SHADOWS);

    /**
     * The lower-case names of the main database's internal tables of virtual tables (SQLite's {@code shadow} type): the
     * tables named {@code <virtual table>_<suffix>} where the virtual table's module claims the suffix, as in SQLite's
     * own test. Virtual tables are the tables without a root page; their module is the name after USING. Only
     * {@code sqlite_schema} is read: {@code pragma_table_list} compiles every view to count its columns, which a chain
     * of views made last minutes (outside probe), and which took 24 ms at 13,000 tables.
     */
    public static Set<String> names(Connection c) throws SQLException {
        Map<String, Set<String>> virtualTables = new HashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, sql FROM main.sqlite_schema WHERE type = 'table' AND rootpage = 0 AND sql IS NOT NULL")) {
            // Lower-cased in Java on both sides, past ASCII (SQLite's lower() stops there), so no spelling of a name slips by.
            while (rs.next()) {
                Set<String> suffixes = SHADOW_SUFFIXES.get(module(rs.getString(2)));
                if (suffixes != null) virtualTables.put(rs.getString(1).toLowerCase(Locale.ROOT), suffixes);
            }
        }
        Set<String> shadows = new HashSet<>();
        if (virtualTables.isEmpty()) return shadows;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM main.sqlite_schema WHERE type = 'table'")) {
            while (rs.next()) {
                String lower = rs.getString(1).toLowerCase(Locale.ROOT);
                for (Map.Entry<String, Set<String>> v : virtualTables.entrySet()) {
                    String prefix = v.getKey() + "_";
                    if (lower.startsWith(prefix) && v.getValue().contains(lower.substring(prefix.length()))) shadows.add(lower);
                }
            }
        }
        return shadows;
    }

    /** The lower-case module name of a CREATE VIRTUAL TABLE text: the name after USING; null when there is none. */
    private static String module(String createSql) {
        try {
            boolean using = false;
            for (Token t : SqlLexer.tokenize(createSql)) {
                if (t.insignificant()) continue;
                if (using) {
                    String name = t.identifier() != null ? t.identifier() : t.stringValue();
                    return name == null ? null : name.toLowerCase(Locale.ROOT);
                }
                using = t.isWord("using");
            }
        } catch (SqlRefusal unreadable) {
            // SQLite stored it; a text the lexer cannot read names no module of ours
        }
        return null;
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
    static final Set<String> BEFORE_A_TABLE = Set.of("INTO", "UPDATE", "FROM", "TABLE", "JOIN", "ON", "EXISTS", "REPLACE",
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
