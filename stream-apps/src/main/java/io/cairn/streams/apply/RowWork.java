package io.cairn.streams.apply;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Set;

/**
 * SQL whose one row can do work the quick budget cannot stop, which the stream thread leaves to the heavy lane
 * before running it. SQLite looks at its budget (the progress handler, an interrupt) only at loop jumps, so one row's
 * expressions run to their end, and each function call in them can cost up to its values' size (256 KiB on the
 * stream thread) times its arguments; {@code json_patch} costs the product of its two documents' keys. Forty
 * {@code json_patch} calls of two 209 KB documents in one row held the stream thread, every tenant's writes behind
 * it, for 229 s; 300 {@code json_extract} calls of 99 paths each, 85 s (outside probe). Here, from the text: a
 * statement calling {@code json_patch}, or whose calls and their arguments (and {@code ->}, {@code ->>}) weigh more
 * than {@link #MAX_WEIGHT}, or longer than {@link #MAX_QUICK_SQL_CHARS}, runs in the lane, where it costs its own tenant only. The same for the tenant's schema
 * (triggers, views, defaults, checks run inside the rows of a plain write): see {@code TenantDatabase.SchemaGuards}.
 * Where a record runs never changes its outcome.
 */
final class RowWork {
    private RowWork() {}

    /** Calls, their arguments and JSON arrows a statement run on the stream thread may hold: a few times an application's. */
    static final int MAX_WEIGHT = 256;

    /**
     * The longest statement text parsed on the stream thread: SQLite's parser, which no budget stops either, takes
     * about half a microsecond a byte (nine 98 KB statements took up to 0.8 s: outside probe). Longer goes to the lane.
     */
    static final int MAX_QUICK_SQL_CHARS = 32 << 10;

    /** Functions whose one call costs the product of its arguments' sizes. */
    private static final Set<String> QUADRATIC = Set.of("json_patch", "jsonb_patch");

    /** Words a parenthesis follows that are not calls: lists, and the names of tables and columns. */
    private static final Set<String> NOT_CALLS = Set.of("values", "in", "exists", "check", "unique", "key", "references", "as",
            "using", "over", "filter", "window", "and", "or", "not", "select", "where", "on", "default", "into", "table", "join",
            "from", "update", "set", "when", "then", "else", "returning", "with", "is", "by", "having", "limit", "union", "all",
            "distinct", "between", "do", "conflict", "index", "view", "trigger", "primary", "foreign", "recursive", "materialized",
            "generated", "always", "stored", "virtual", "except", "intersect", "case", "like", "glob", "match", "regexp", "escape",
            // column types with a size, not calls
            "varchar", "char", "character", "nchar", "nvarchar", "varying", "decimal", "numeric", "float", "double", "int",
            "integer", "bigint", "smallint", "tinyint", "mediumint", "real", "text", "blob", "boolean", "number", "string");

    /** Whether any of the schema's CREATE texts ({@code sqlite_schema.sql} of the tenant's objects) is {@link #rowUnbounded}. */
    static boolean anyLeftToLane(java.sql.Connection c) throws java.sql.SQLException {
        try (java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE '\\_cairn\\_%' ESCAPE '\\'")) {
            while (rs.next()) {
                if (rowUnbounded(rs.getString(1))) return true; // parsed once at open, not per write: its length is the schema limit's
            }
        }
        return false;
    }

    /** Words a table's name follows: its parenthesis lists columns. */
    private static final Set<String> TABLE_NAME_AFTER = Set.of("into", "table", "join", "from", "update", "references", "on", "exists", "view");

    /** Whether {@code sql} goes to the lane: see above. Approximate on purpose: it only places work, never decides it. */
    static boolean leftToLane(String sql) {
        return sql.length() > MAX_QUICK_SQL_CHARS || rowUnbounded(sql);
    }

    /** Whether one row of {@code sql} may do work no budget stops: a quadratic call, or calls weighing over {@link #MAX_WEIGHT}. */
    static boolean rowUnbounded(String sql) {
        int weight = 0;
        ArrayDeque<Boolean> calls = new ArrayDeque<>(); // per open parenthesis: whether it is a call's
        String lastWord = null;
        String beforeLast = null;
        int n = sql.length();
        for (int i = 0; i < n; i++) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`' || c == '[') {
                char close = c == '[' ? ']' : c;
                int j = i + 1;
                while (j < n) {
                    if (sql.charAt(j) == close) {
                        if (c != '[' && j + 1 < n && sql.charAt(j + 1) == close) {
                            j += 2; // a doubled quote
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                beforeLast = lastWord;
                lastWord = c == '\'' ? null : sql.substring(i + 1, Math.min(j, n)).toLowerCase(Locale.ROOT); // a quoted name may be a call's
                i = j;
                continue;
            }
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') i++;
                continue;
            }
            if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 1;
                continue;
            }
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '>') {
                weight++;
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_' || sql.charAt(j) == '$')) j++;
                beforeLast = lastWord;
                lastWord = sql.substring(i, j).toLowerCase(Locale.ROOT);
                i = j - 1;
                continue;
            } else if (c == '(') {
                boolean call = lastWord != null && !lastWord.isEmpty() && !NOT_CALLS.contains(lastWord)
                        && !(beforeLast != null && TABLE_NAME_AFTER.contains(beforeLast));
                if (call) {
                    if (QUADRATIC.contains(lastWord)) return true;
                    weight++;
                }
                calls.push(call);
            } else if (c == ')') {
                if (!calls.isEmpty()) calls.pop();
            } else if (c == ',' && !calls.isEmpty() && calls.peek()) {
                weight++;
            } else if (Character.isWhitespace(c)) {
                continue;
            }
            if (weight > MAX_WEIGHT) return true;
            if (!Character.isWhitespace(c)) {
                beforeLast = lastWord;
                lastWord = null;
            }
        }
        return false;
    }
}
