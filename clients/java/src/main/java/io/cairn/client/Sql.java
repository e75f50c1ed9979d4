package io.cairn.client;

import java.util.Locale;

/** What a client needs to know about a statement's text before sending it. */
public final class Sql {
    private Sql() {}

    /**
     * Whether {@code sql} only reads (it goes to {@code /query}; anything else to {@code /execute}): it starts,
     * after comments, with SELECT, VALUES, EXPLAIN or PRAGMA, or is a WITH that does not insert, update,
     * delete or replace. The server decides in the end: a write sent as a read is refused with
     * {@code read_only}, never run.
     */
    public static boolean readsOnly(String sql) {
        String s = sql.stripLeading();
        while (s.startsWith("--") || s.startsWith("/*")) {
            int end = s.startsWith("--") ? s.indexOf('\n') : s.indexOf("*/") + 1;
            if (end <= 0) return false;
            s = s.substring(end + 1).stripLeading();
        }
        String word = s.split("[\\s(;]", 2)[0].toUpperCase(Locale.ROOT);
        if (word.equals("WITH")) {
            String upper = s.toUpperCase(Locale.ROOT);
            return !(upper.contains("INSERT ") || upper.contains("UPDATE ") || upper.contains("DELETE ") || upper.contains("REPLACE "));
        }
        return word.equals("SELECT") || word.equals("VALUES") || word.equals("EXPLAIN") || word.equals("PRAGMA");
    }
}
