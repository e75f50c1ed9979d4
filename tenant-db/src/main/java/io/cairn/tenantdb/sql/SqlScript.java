package io.cairn.tenantdb.sql;

import io.cairn.tenantdb.sql.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a script (a migration file) into its statements at the semicolons that end them, with SQLite's
 * own tokens ({@link SqlLexer}): a ';' inside a string, a quoted name, a comment, or a CREATE TRIGGER
 * body (up to the END that closes no CASE) does not split. Each statement comes back without its ';'
 * and without the whitespace and comments before it. Stateless.
 */
public final class SqlScript {
    private SqlScript() {}

    /** The script's statements in order; empty for a script of only comments and ';'. */
    public static List<String> split(String script) throws SqlRefusal {
        List<String> out = new ArrayList<>();
        scan(script, out);
        return out;
    }

    /**
     * Whether {@code text} is ready to run, as SQLite's {@code sqlite3_complete()} says: it ends with a ';'
     * that ends a statement (not one inside a string, a quoted name, a comment or a trigger's body), with
     * nothing significant after it. A shell reads lines until this is true. Text SQLite could never
     * tokenize (a NUL, a malformed blob) is complete too, so that it is sent and refused, not waited on.
     */
    public static boolean complete(String text) {
        try {
            return scan(text, new ArrayList<>());
        } catch (SqlRefusal e) {
            return !SqlLexer.isUnterminated(e);
        }
    }

    /** Adds the statements of {@code script} to {@code out}; true when its last significant token is a ';' that ends one. */
    private static boolean scan(String script, List<String> out) throws SqlRefusal {
        List<Token> sig = new ArrayList<>();
        int start = 0;
        int caseDepth = 0;
        boolean trigger = false;
        boolean afterTriggerEnd = false;
        boolean ended = false;
        for (Token t : SqlLexer.tokenize(script)) {
            if (t.insignificant()) continue;
            if (t.kind() == Kind.SEMICOLON && (sig.isEmpty() || !trigger || afterTriggerEnd)) {
                if (!sig.isEmpty()) out.add(script.substring(start, t.start()).strip());
                sig.clear();
                caseDepth = 0;
                trigger = false;
                afterTriggerEnd = false;
                ended = true;
                continue;
            }
            ended = false;
            if (sig.isEmpty()) start = t.start();
            sig.add(t);
            if (sig.size() <= 5) trigger = StatementPolicy.isCreateTrigger(sig);
            if (t.isWord("case")) caseDepth++;
            boolean closesCase = t.isWord("end") && caseDepth > 0;
            if (closesCase) caseDepth--;
            afterTriggerEnd = t.isWord("end") && !closesCase;
        }
        if (!sig.isEmpty()) out.add(script.substring(start).strip());
        return ended;
    }
}
