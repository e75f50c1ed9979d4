package io.cairn.tenantdb.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Whether a statement of a write may answer with rows, judged from its text alone: a {@code SELECT} or
 * {@code VALUES}, a {@code WITH} whose main statement is one of them, any {@code EXPLAIN}, or a
 * {@code RETURNING} clause (a bare word {@code returning} outside parentheses: a column so named, unquoted,
 * at the top level of an {@code UPDATE ... SET} is taken for one, which errs on the side of a refusal).
 * The edge refuses such statements to a key without the read scope, before anything reaches the log.
 */
public final class RowReturning {
    private RowReturning() {}

    private static final Set<String> ROWS = Set.of("select", "values");
    private static final Set<String> MAIN = Set.of("select", "values", "insert", "update", "delete", "replace");

    /** Verdicts kept, up to 4 Mi characters of text: the edge asks for every statement of every write. */
    private static final TextVerdicts<Boolean> KNOWN = new TextVerdicts<>(4L << 20);

    /** True when the statement {@code sql} may return rows; a text the lexer refuses is for the policy to judge (false). */
    public static boolean mayReturnRows(String sql) {
        Boolean known = KNOWN.get(sql);
        if (known != null) return known;
        boolean judged = judge(sql);
        KNOWN.put(sql, judged);
        return judged;
    }

    private static boolean judge(String sql) {
        List<Token> sig = new ArrayList<>();
        try {
            for (Token t : SqlLexer.tokenize(sql)) if (!t.insignificant()) sig.add(t);
        } catch (SqlRefusal r) {
            return false;
        }
        if (sig.isEmpty()) return false;
        if (sig.getFirst().isWord("explain")) return true;
        int depth = 0;
        for (Token t : sig) {
            if (t.isOperator("(")) depth++;
            else if (t.isOperator(")")) depth--;
            else if (depth == 0 && t.isWord("returning")) return true;
        }
        Token first = sig.getFirst();
        if (first.kind() == Token.Kind.WORD && ROWS.contains(Token.asciiLower(first.text()))) return true;
        if (!first.isWord("with")) return false;
        // WITH [RECURSIVE] name [(columns)] AS [NOT] [MATERIALIZED] (...), ...: the main statement is the first of
        // these words outside the common table expressions' parentheses.
        depth = 0;
        for (int i = 1; i < sig.size(); i++) {
            Token t = sig.get(i);
            if (t.isOperator("(")) depth++;
            else if (t.isOperator(")")) depth--;
            else if (depth == 0 && t.kind() == Token.Kind.WORD && MAIN.contains(Token.asciiLower(t.text()))) {
                return ROWS.contains(Token.asciiLower(t.text()));
            }
        }
        return false;
    }
}
