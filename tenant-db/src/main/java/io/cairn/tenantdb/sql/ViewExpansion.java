package io.cairn.tenantdb.sql;

import io.cairn.topics.ErrorCode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A bound on what SQLite compiles for a statement that names views. SQLite copies a view's SELECT into every
 * statement that names it, the views it names included, before anything runs, and no step budget or statement clock
 * reaches that work: a chain of views each naming the one below twice doubles at every level, so a one-row write or
 * read naming the fifteenth compiled for a minute and a gigabyte, and every tenant of the partition waited (outside
 * probe: 23 to 160 s). So sizes are counted from the SQL text, in tokens: a table's is its CREATE text's, a view's
 * its own text's plus, for each name in it of a table or view, that one's size (each time it is named). A statement
 * may name views of {@link #MAX_TOKENS} at most, all triggers together as much (a statement compiles the triggers it
 * fires), and a schema change may leave at most {@link #MAX_SCHEMA_TOKENS} in all the views and triggers together (an
 * {@code ALTER TABLE ... RENAME} compiles every one of them, on its tenant's turn). A name followed by
 * a dot qualifies a column and is not counted; any other name that spells a view's counts, so the sizes are never
 * below what SQLite copies. Stateless.
 */
public final class ViewExpansion {
    /**
     * The most SQL, in tokens with views expanded, a statement may name, and a schema's triggers may name together: about
     * 0.35 s of SQLite's compiling on a slow core (3.5 us a token, measured), paid where other tenants may wait for it.
     */
    public static final long MAX_TOKENS = 100_000;
    /** The most a schema's views and triggers may hold together, with the views they name expanded. */
    public static final long MAX_SCHEMA_TOKENS = 500_000;

    private ViewExpansion() {}

    /** The expanded sizes of the main schema's views, by lower-case name; empty (and cheap) when it has none. */
    public static Map<String, Long> viewSizes(Connection c) throws SQLException {
        return read(c).viewSizes();
    }

    /** Refuses ({@code statement_too_long}) a statement naming views larger, together, than {@link #MAX_TOKENS}. */
    public static void refuseStatement(String sql, Map<String, Long> views) throws SqlRefusal {
        if (views.isEmpty()) return;
        long size = namedViews(SqlLexer.tokenize(sql), views, null);
        if (size > MAX_TOKENS) {
            throw new SqlRefusal(ErrorCode.STATEMENT_TOO_LONG, "with the views it names expanded (SQLite copies a view, and the"
                    + " views it names, into every statement that names it), this statement is " + size + " tokens of SQL, past the"
                    + " limit of " + MAX_TOKENS + ": name fewer views, or views defined from tables");
        }
    }

    /**
     * Refuses ({@code quota_exceeded}) the schema as it is now when its triggers name more than {@link #MAX_TOKENS} of
     * SQL with the views expanded, or its views and triggers hold more than {@link #MAX_SCHEMA_TOKENS}.
     */
    public static void refuseOver(Connection c) throws SQLException, SqlRefusal {
        Schema schema = read(c);
        if (schema.views.isEmpty()) return;
        Map<String, Long> sizes = schema.viewSizes();
        long total = 0;
        String largest = null;
        for (Map.Entry<String, Long> v : sizes.entrySet()) {
            total = Math.min(Long.MAX_VALUE / 2, total + v.getValue());
            if (largest == null || v.getValue() > sizes.get(largest)) largest = v.getKey();
        }
        long triggers = 0;
        for (List<String> trigger : schema.triggers) triggers = Math.min(Long.MAX_VALUE / 2, triggers + sumOf(trigger, sizes, null));
        if (triggers > MAX_TOKENS) {
            throw new SqlRefusal(ErrorCode.QUOTA_EXCEEDED, "the tenant's triggers would name " + triggers + " tokens of SQL with their views"
                    + " expanded, past the limit of " + MAX_TOKENS + ": SQLite compiles the triggers a statement fires into it, and a"
                    + " view, with the views it names, into each trigger that names it; name views from fewer triggers");
        }
        total = Math.min(Long.MAX_VALUE / 2, total + triggers);
        if (total > MAX_SCHEMA_TOKENS) {
            throw new SqlRefusal(ErrorCode.QUOTA_EXCEEDED, "the tenant's views and triggers would hold " + total + " tokens of SQL"
                    + " with the views they name expanded, past the limit of " + MAX_SCHEMA_TOKENS + " (view " + largest + " alone is "
                    + sizes.get(largest) + "): SQLite copies a view, and the views it names, into every statement that names it;"
                    + " define views from tables, or from fewer views");
        }
    }

    /** The schema's tables and views as sizes and names, and its triggers' names. */
    private record Schema(Map<String, Long> tables, Map<String, Entry> views, List<List<String>> triggers) {
        Map<String, Long> viewSizes() {
            Map<String, Long> sizes = new HashMap<>();
            for (String name : views.keySet()) sizeOf(name, this, sizes);
            return sizes;
        }
    }

    /** A view's own tokens and the names it holds (each time it holds one). */
    private record Entry(long tokens, List<String> names) {}

    private static Schema read(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet any = s.executeQuery("SELECT 1 FROM main.sqlite_schema WHERE type = 'view' LIMIT 1")) {
                if (!any.next()) return new Schema(Map.of(), Map.of(), List.of());
            }
            Map<String, Long> tables = new HashMap<>();
            Map<String, Entry> views = new HashMap<>();
            List<List<String>> triggers = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT type, name, sql FROM main.sqlite_schema"
                    + " WHERE type IN ('table', 'view', 'trigger') AND sql IS NOT NULL")) {
                while (rs.next()) {
                    List<Token> tokens = tokens(rs.getString(3));
                    String name = Token.asciiLower(rs.getString(2));
                    switch (rs.getString(1)) {
                        case "table" -> tables.put(name, significant(tokens));
                        case "view" -> views.put(name, new Entry(significant(tokens), names(tokens, name)));
                        default -> triggers.add(names(tokens, null));
                    }
                }
            }
            return new Schema(tables, views, triggers);
        }
    }

    private static List<Token> tokens(String sql) {
        try {
            return SqlLexer.tokenize(sql);
        } catch (SqlRefusal unreadable) {
            return List.of(); // SQLite stored it, so it reads it; a text the lexer cannot is no view of ours to count
        }
    }

    /**
     * The size of view {@code root}, computed into {@code sizes} with those of the views it names: depth first, without
     * recursion (a chain may be tens of thousands of views long). A view met again on its own path is circular, which
     * SQLite refuses when it is used: it counts nothing more.
     */
    private static long sizeOf(String root, Schema schema, Map<String, Long> sizes) {
        Deque<String> path = new ArrayDeque<>();
        path.push(root);
        while (!path.isEmpty()) {
            String view = path.peek();
            if (sizes.containsKey(view)) {
                path.pop();
                continue;
            }
            String pending = null;
            for (String n : schema.views.get(view).names()) {
                if (schema.views.containsKey(n) && !sizes.containsKey(n) && !path.contains(n)) {
                    pending = n;
                    break;
                }
            }
            if (pending != null) {
                path.push(pending);
                continue;
            }
            Entry e = schema.views.get(view);
            sizes.put(view, Math.min(Long.MAX_VALUE / 2, e.tokens() + sumOf(e.names(), sizes, schema.tables)));
            path.pop();
        }
        return sizes.get(root);
    }

    /** The sizes of the views (and, given {@code tables}, tables) among {@code names}, each time named; unknown names count 0. */
    private static long sumOf(List<String> names, Map<String, Long> views, Map<String, Long> tables) {
        long sum = 0;
        for (String n : names) {
            Long size = views.get(n);
            if (size == null && tables != null) size = tables.get(n);
            if (size != null) sum = Math.min(Long.MAX_VALUE / 2, sum + size);
        }
        return sum;
    }

    private static long namedViews(List<Token> tokens, Map<String, Long> views, Map<String, Long> tables) {
        return sumOf(names(tokens, null), views, tables);
    }

    /**
     * The lower-case names in {@code tokens}, in order, but {@code self} and those a dot follows (column qualifiers). A string
     * literal counts where SQLite would take it for a table's name ({@code FROM 'v'}, {@code FROM a, 'v'}), but not as a
     * value in a VALUES list.
     */
    private static List<String> names(List<Token> tokens, String self) {
        List<String> names = new ArrayList<>();
        int depth = 0;
        int valuesDepth = -1;
        Token previous = null;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.insignificant()) continue;
            if (t.isOperator("(")) depth++;
            if (t.isOperator(")") && --depth < valuesDepth) valuesDepth = -1;
            if (t.isWord("values")) valuesDepth = depth;
            String name = t.kind() == Token.Kind.STRING ? (namesATable(previous, depth > valuesDepth && valuesDepth >= 0)
                    ? Token.asciiLower(t.stringValue()) : null) : t.lowerIdentifier();
            previous = t;
            if (name == null || name.equals(self)) continue;
            int next = i + 1;
            while (next < tokens.size() && tokens.get(next).insignificant()) next++;
            if (next < tokens.size() && tokens.get(next).isOperator(".")) continue;
            names.add(name);
        }
        return names;
    }

    /** Whether a string literal after {@code previous} is read as a table's name; never inside a VALUES list's row. */
    private static boolean namesATable(Token previous, boolean inValues) {
        if (previous == null || inValues) return false;
        if (previous.isOperator(".") || previous.isOperator(",")) return true;
        return previous.kind() == Token.Kind.WORD && ShadowTables.BEFORE_A_TABLE.contains(previous.text().toUpperCase(java.util.Locale.ROOT));
    }

    private static long significant(List<Token> tokens) {
        return tokens.stream().filter(t -> !t.insignificant()).count();
    }
}
