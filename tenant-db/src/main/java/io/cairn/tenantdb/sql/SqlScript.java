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
        List<Token> sig = new ArrayList<>();
        int start = 0;
        int caseDepth = 0;
        boolean trigger = false;
        boolean afterTriggerEnd = false;
        for (Token t : SqlLexer.tokenize(script)) {
            if (t.insignificant()) continue;
            if (t.kind() == Kind.SEMICOLON && (sig.isEmpty() || !trigger || afterTriggerEnd)) {
                if (!sig.isEmpty()) out.add(script.substring(start, t.start()).strip());
                sig.clear();
                caseDepth = 0;
                trigger = false;
                afterTriggerEnd = false;
                continue;
            }
            if (sig.isEmpty()) start = t.start();
            sig.add(t);
            if (sig.size() <= 5) trigger = StatementPolicy.isCreateTrigger(sig);
            if (t.isWord("case")) caseDepth++;
            boolean closesCase = t.isWord("end") && caseDepth > 0;
            if (closesCase) caseDepth--;
            afterTriggerEnd = t.isWord("end") && !closesCase;
        }
        if (!sig.isEmpty()) out.add(script.substring(start).strip());
        return out;
    }
}
