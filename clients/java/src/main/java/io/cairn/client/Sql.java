package io.cairn.client;

import java.util.Locale;
import java.util.Set;

/** What a client needs to know about a statement's text before sending it. */
public final class Sql {
    private static final Set<String> READ_VERBS = Set.of("SELECT", "VALUES", "EXPLAIN", "PRAGMA");
    private static final Set<String> WITH_VERBS = Set.of("SELECT", "VALUES", "INSERT", "UPDATE", "DELETE", "REPLACE");

    private Sql() {}

    /**
     * Whether {@code sql} only reads (it goes to {@code /query}; anything else to {@code /execute}): its first word,
     * after comments, is SELECT, VALUES, EXPLAIN or PRAGMA, or it is a WITH whose statement (the first of SELECT,
     * VALUES, INSERT, UPDATE, DELETE, REPLACE outside parentheses, strings, quoted names and comments) is a SELECT
     * or VALUES. The server decides in the end: a write sent as a read is refused with {@code read_only}, never run.
     */
    public static boolean readsOnly(String sql) {
        Words words = new Words(sql);
        String first = words.next();
        if (first == null) return false;
        if (!first.equals("WITH")) return READ_VERBS.contains(first);
        for (String w = words.next(); w != null; w = words.next()) {
            if (WITH_VERBS.contains(w)) return w.equals("SELECT") || w.equals("VALUES");
        }
        return false;
    }

    /**
     * Whether {@code sql} has a {@code RETURNING} clause: the word outside parentheses, strings, quoted names and
     * comments (a column {@code returning_at} or a string {@code 'returning'} is none).
     */
    public static boolean hasReturning(String sql) {
        Words words = new Words(sql);
        for (String w = words.next(); w != null; w = words.next()) {
            if (w.equals("RETURNING")) return true;
        }
        return false;
    }

    /** The words of a text outside parentheses, strings, quoted names and comments, upper-cased, one at a time. */
    private static final class Words {
        private final String s;
        private int i;

        Words(String s) {
            this.s = s;
        }

        String next() {
            int depth = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '-' && s.startsWith("--", i)) {
                    int end = s.indexOf('\n', i);
                    i = end < 0 ? s.length() : end + 1;
                } else if (c == '/' && s.startsWith("/*", i)) {
                    int end = s.indexOf("*/", i + 2);
                    i = end < 0 ? s.length() : end + 2;
                } else if (c == '\'' || c == '"' || c == '`') {
                    skipQuoted(c);
                } else if (c == '[') {
                    int end = s.indexOf(']', i);
                    i = end < 0 ? s.length() : end + 1;
                } else if (c == '(') {
                    depth++;
                    i++;
                } else if (c == ')') {
                    depth = Math.max(0, depth - 1);
                    i++;
                } else if (Character.isLetter(c) || c == '_') {
                    int start = i;
                    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '$')) i++;
                    if (depth == 0) return s.substring(start, i).toUpperCase(Locale.ROOT);
                } else {
                    i++;
                }
            }
            return null;
        }

        /** Past a string or quoted name; its quote doubled inside is the quote itself. */
        private void skipQuoted(char quote) {
            i++;
            while (i < s.length()) {
                if (s.charAt(i++) == quote) {
                    if (i < s.length() && s.charAt(i) == quote) i++;
                    else return;
                }
            }
        }
    }
}
