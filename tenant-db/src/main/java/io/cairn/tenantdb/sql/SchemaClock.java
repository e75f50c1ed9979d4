package io.cairn.tenantdb.sql;

import io.cairn.tenantdb.sql.Token.Kind;
import io.cairn.topics.ErrorCode;
import java.util.List;
import java.util.Set;

/**
 * The clock where SQLite must get the same value each time it computes an expression again: an index's
 * expressions and its WHERE, a generated column, a CHECK constraint. Stock SQLite refuses 'now' there when it
 * runs ({@code non-deterministic use of datetime() in an index}). Cairn's date functions answer 'now' with the
 * record's time and are registered deterministic, so that {@code date(ts)} stays indexable
 * ({@link DeterministicFunctions}); SQLite then lets 'now' through, and an index entry made at one record's
 * time is looked for at another's, and a generated column cannot be read on a read connection. So a write
 * refuses the clock written there ({@code nondeterministic}): a date function with no time-value, or with
 * 'now' (any case) or 'subsec' as one, and CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME. A DEFAULT, a
 * trigger or a view may read the clock: each is computed once, when written or read.
 */
final class SchemaClock {
    private static final Set<String> NOW = Set.of("now", "subsec", "subsecond");

    private SchemaClock() {}

    /** Refuses the clock in the index, generated-column and CHECK expressions of a CREATE INDEX, CREATE TABLE or ALTER TABLE. */
    static void check(List<Token> st) throws SqlRefusal {
        if (st.size() < 2 || !(st.get(0).isWord("create") || st.get(0).isWord("alter"))) return;
        if (st.get(0).isWord("create") && (st.get(1).isWord("index") || st.get(1).isWord("unique"))) {
            for (int i = 2; i < st.size(); i++) {
                if (st.get(i).isWord("on")) {
                    refuseClock(st, i + 1, st.size(), "an index");
                    return;
                }
            }
            return;
        }
        boolean table = st.get(0).isWord("create") && st.get(1).isWord("table");
        boolean alter = st.get(0).isWord("alter") && st.get(1).isWord("table");
        if (!table && !alter) return;
        int depth = 0;
        for (int i = 2; i < st.size(); i++) {
            Token t = st.get(i);
            if (t.isOperator("(")) depth++;
            else if (t.isOperator(")")) depth--;
            boolean opens = i + 1 < st.size() && st.get(i + 1).isOperator("(");
            boolean inDefinition = alter || depth >= 1;
            if (opens && inDefinition && (t.isWord("check") || t.isWord("as"))) {
                int close = closing(st, i + 1);
                refuseClock(st, i + 1, close, t.isWord("check") ? "a CHECK constraint" : "a generated column");
                i = close - 1;
            }
        }
    }

    /** Index just past the ')' matching the '(' at {@code open} (the end when there is none). */
    private static int closing(List<Token> st, int open) {
        int depth = 0;
        for (int j = open; j < st.size(); j++) {
            if (st.get(j).isOperator("(")) depth++;
            else if (st.get(j).isOperator(")") && --depth == 0) return j + 1;
        }
        return st.size();
    }

    private static void refuseClock(List<Token> st, int from, int to, String where) throws SqlRefusal {
        for (int i = from; i < to; i++) {
            Token t = st.get(i);
            if (t.kind() != Kind.WORD) continue;
            String word = Token.asciiLower(t.text());
            boolean afterDot = i > 0 && st.get(i - 1).isOperator(".");
            if (StatementPolicy.CLOCK_KEYWORDS.containsKey(word) && !afterDot) throw refusal(t.text().toUpperCase(java.util.Locale.ROOT), where);
            if (StatementPolicy.DATE_FUNCTIONS.contains(word) && !afterDot && i + 1 < to && st.get(i + 1).isOperator("(")) {
                if (readsClock(st, i + 1, word)) throw refusal(word + "() of 'now'", where);
                if (computesTimeValue(st, i + 1, word)) {
                    throw new SqlRefusal(ErrorCode.NONDETERMINISTIC, word + "() of a computed time-value is not allowed in " + where
                            + ": it may compute to 'now' (char(110,111,119) does), and the clock then says another time whenever SQLite"
                            + " computes it again. Give it a column, a literal or a number");
                }
            }
        }
    }

    /** Whether the call whose '(' is at {@code open} asks for the current time: no time-value, or 'now' as one. */
    private static boolean readsClock(List<Token> st, int open, String function) {
        int depth = 0;
        int arguments = 0;
        boolean sawToken = false;
        for (int j = open; j < st.size(); j++) {
            Token t = st.get(j);
            if (t.isOperator("(") && depth++ == 0) continue;
            if (t.isOperator(")") && --depth == 0) break;
            if (depth == 1 && t.isOperator(",")) {
                arguments++;
                continue;
            }
            sawToken = true;
            if (depth == 1 && NOW.contains(Token.asciiLower(stringValue(t)).strip())) return true;
        }
        if (sawToken) arguments++;
        // strftime(format) and timediff need their time-values; the others read the clock with none
        return function.equals("strftime") ? arguments == 1 : arguments == 0;
    }

    /**
     * Whether a time-value of the call whose '(' is at {@code open} (the first argument; strftime's second; both of
     * timediff's) is computed rather than one column, literal, number or parameter: 'now' may be made at run time
     * ({@code char(110,111,119)}, {@code lower('NOW')}, {@code 'n' || 'ow'}), which no reading of the text can see.
     */
    private static boolean computesTimeValue(List<Token> st, int open, String function) {
        int depth = 0;
        int argument = 0;
        int tokens = 0;
        for (int j = open; j < st.size(); j++) {
            Token t = st.get(j);
            if (t.isOperator("(") && depth++ == 0) continue;
            if ((t.isOperator(")") && --depth == 0) || (depth == 1 && t.isOperator(","))) {
                if (isTimeValue(function, argument) && tokens > 1 && !qualifiedColumn(st, j - tokens, j) && !signedNumber(st, j - tokens, j)) {
                    return true;
                }
                if (t.isOperator(")")) return false;
                argument++;
                tokens = 0;
                continue;
            }
            tokens++;
        }
        return false;
    }

    private static boolean isTimeValue(String function, int argument) {
        return switch (function) {
            case "strftime" -> argument == 1;
            case "timediff" -> argument <= 1;
            default -> argument == 0;
        };
    }

    /** Whether {@code st[from, to)} is a number with its sign: {@code -1}. */
    private static boolean signedNumber(List<Token> st, int from, int to) {
        return to - from == 2 && (st.get(from).isOperator("-") || st.get(from).isOperator("+")) && st.get(from + 1).kind() == Kind.NUMBER;
    }

    /** Whether {@code st[from, to)} is a column named with its table (or schema and table): {@code t.created_at}. */
    private static boolean qualifiedColumn(List<Token> st, int from, int to) {
        if ((to - from) % 2 == 0) return false;
        for (int k = from; k < to; k++) {
            Token t = st.get(k);
            boolean name = t.kind() == Kind.WORD || t.kind() == Kind.QUOTED_ID;
            if ((k - from) % 2 == 0 ? !name : !t.isOperator(".")) return false;
        }
        return true;
    }

    /**
     * What SQLite may read as a string: a string literal, and a double-quoted identifier, which SQLite takes
     * for a string when no column has that name ({@code datetime("now")}); "" for anything else.
     */
    private static String stringValue(Token t) {
        if (t.kind() == Kind.STRING) return t.stringValue();
        if (t.kind() == Kind.QUOTED_ID && t.text().startsWith("\"")) return t.identifier();
        return "";
    }

    private static SqlRefusal refusal(String what, String where) {
        return new SqlRefusal(ErrorCode.NONDETERMINISTIC, what + " is not allowed in " + where + ": SQLite computes it again whenever"
                + " the row changes or is checked, and the clock will then say another time than what was stored. Keep the time in"
                + " a column (DEFAULT CURRENT_TIMESTAMP) and use that column there");
    }
}
