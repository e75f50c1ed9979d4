package io.cairn.tenantdb.sql;

import io.cairn.tenantdb.sql.Token.Kind;
import io.cairn.topics.ErrorCode;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts SQL text into tokens the way SQLite's own tokenizer ({@code sqlite3GetToken} in tokenize.c,
 * SQLite 3.54) does, so that the policy sees exactly the words SQLite will see: a keyword inside a
 * string literal, a quoted identifier or a comment is never a keyword.
 *
 * <p>Where SQLite would return an illegal token (an unterminated literal or comment, a stray
 * character, {@code 1abc}, a misplaced digit separator) the lexer refuses the text with code
 * {@code sql_error}: SQLite would refuse it too, and refusing early means the policy never has to
 * reason about text it cannot cut. One deliberate difference: SQLite accepts an unterminated
 * {@code /*} comment as running to the end; Cairn refuses it, since it usually hides a mistake.
 *
 * <p>Characters that would make SQLite read other text than this lexer reads are refused before any
 * token is cut, wherever they stand (inside literals and comments too): a NUL (SQLite stops reading
 * at it, so {@code DELETE FROM t -- <NUL>\n WHERE 0} would run as {@code DELETE FROM t}) and a UTF-16
 * surrogate without its pair (the driver turns it into {@code ?}, a parameter). Other control
 * characters are refused outside string literals and quoted identifiers, where SQLite would not take
 * them either.
 *
 * <p>Stateless and thread-safe.
 */
public final class SqlLexer {
    private static final String UNTERMINATED = "unterminated ";

    private SqlLexer() {}

    /** All tokens of {@code sql}, whitespace and comments included, in order; their texts concatenate to {@code sql}. */
    public static List<Token> tokenize(String sql) throws SqlRefusal {
        refuseUnreadableCharacters(sql);
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < sql.length()) {
            int end = next(sql, i, out);
            i = end;
        }
        return out;
    }

    /** Appends the token starting at {@code i}; returns where it ends. */
    private static int next(String s, int i, List<Token> out) throws SqlRefusal {
        char c = s.charAt(i);
        int end;
        Kind kind;
        if (isSpace(c)) {
            end = i + 1;
            while (end < s.length() && isSpace(s.charAt(end))) end++;
            kind = Kind.SPACE;
        } else if (c == '-' && at(s, i + 1) == '-') {
            int nl = s.indexOf('\n', i);
            end = nl < 0 ? s.length() : nl + 1;
            kind = Kind.COMMENT;
        } else if (c == '/' && at(s, i + 1) == '*') {
            int close = s.indexOf("*/", i + 2);
            if (close < 0) throw error(UNTERMINATED + "/* comment", i);
            end = close + 2;
            kind = Kind.COMMENT;
        } else if (c == '\'') {
            end = quoted(s, i, '\'', "string literal");
            kind = Kind.STRING;
        } else if (c == '"' || c == '`') {
            end = quoted(s, i, c, "quoted identifier");
            kind = Kind.QUOTED_ID;
        } else if (c == '[') {
            int close = s.indexOf(']', i + 1);
            if (close < 0) throw error(UNTERMINATED + "[identifier]", i);
            end = close + 1;
            kind = Kind.QUOTED_ID;
        } else if ((c == 'x' || c == 'X') && at(s, i + 1) == '\'') {
            end = blob(s, i);
            kind = Kind.BLOB;
        } else if (isDigit(c) || (c == '.' && isDigit(at(s, i + 1)))) {
            end = number(s, i);
            kind = Kind.NUMBER;
        } else if (c == '?') {
            end = i + 1;
            while (isDigit(at(s, end))) end++;
            kind = Kind.PARAM;
        } else if (c == ':' || c == '@' || c == '$' || c == '#') {
            end = namedParameter(s, i);
            kind = Kind.PARAM;
        } else if (isIdStart(c)) {
            end = i + 1;
            while (end < s.length() && isIdChar(s.charAt(end))) end++;
            kind = Kind.WORD;
        } else if (c == ';') {
            end = i + 1;
            kind = Kind.SEMICOLON;
        } else {
            end = i + operatorLength(s, i);
            kind = Kind.OPERATOR;
        }
        out.add(new Token(kind, s.substring(i, end), i));
        return end;
    }

    /** Refuses a NUL or an unpaired surrogate anywhere in the text (see the class comment). */
    private static void refuseUnreadableCharacters(String s) throws SqlRefusal {
        int nul = s.indexOf(0);
        if (nul >= 0) throw error("NUL character (U+0000) in SQL text: SQLite would stop reading there; pass binary data as a parameter", nul);
        int lone = Utf16.unpairedSurrogateAt(s);
        if (lone >= 0) throw error("unpaired UTF-16 surrogate in SQL text (not valid Unicode)", lone);
    }

    /** A literal or identifier closed by {@code q}, where a doubled {@code q} stands for one. */
    private static int quoted(String s, int i, char q, String what) throws SqlRefusal {
        int j = i + 1;
        while (true) {
            int close = s.indexOf(q, j);
            if (close < 0) throw error(UNTERMINATED + what, i);
            if (at(s, close + 1) != q) return close + 1;
            j = close + 2;
        }
    }

    private static int blob(String s, int i) throws SqlRefusal {
        int j = i + 2;
        while (isHex(at(s, j))) j++;
        if (at(s, j) != '\'' || (j - i - 2) % 2 != 0) throw error("malformed blob literal (even number of hex digits expected)", i);
        return j + 1;
    }

    /** Decimal, hex, fraction and exponent forms; '_' is SQLite's digit separator and must sit between digits. */
    private static int number(String s, int i) throws SqlRefusal {
        int j = i;
        boolean hex = s.charAt(i) == '0' && (at(s, i + 1) == 'x' || at(s, i + 1) == 'X') && isHex(at(s, i + 2));
        if (hex) {
            j = digits(s, i + 2, true);
        } else {
            j = digits(s, j, false);
            if (at(s, j) == '.') j = digits(s, j + 1, false);
            char e = at(s, j);
            if ((e == 'e' || e == 'E') && (isDigit(at(s, j + 1))
                    || ((at(s, j + 1) == '+' || at(s, j + 1) == '-') && isDigit(at(s, j + 2))))) {
                j = digits(s, j + 2, false);
            }
        }
        if (j < s.length() && isIdChar(s.charAt(j))) throw error("unrecognized token", i);
        for (int k = i; k < j; k++) {
            boolean between = hex ? isHex(at(s, k - 1)) && isHex(at(s, k + 1)) : isDigit(at(s, k - 1)) && isDigit(at(s, k + 1));
            if (s.charAt(k) == '_' && !between) throw error("misplaced digit separator", i);
        }
        return j;
    }

    private static int digits(String s, int j, boolean hex) {
        while (j < s.length() && (hex ? isHex(s.charAt(j)) : isDigit(s.charAt(j)) || s.charAt(j) == '_')) j++;
        while (hex && at(s, j) == '_') j = digits(s, j + 1, true);
        return j;
    }

    /** :name, @name, $name, #name, with Tcl-style suffixes {@code ::x} and {@code (…)} as SQLite allows. */
    private static int namedParameter(String s, int i) throws SqlRefusal {
        int j = i + 1;
        int n = 0;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (isIdChar(c)) {
                n++;
                j++;
            } else if (c == '(' && n > 0) {
                j++;
                while (j < s.length() && !isSpace(s.charAt(j)) && s.charAt(j) != ')') j++;
                if (at(s, j) != ')') throw error("unrecognized token", i);
                j++;
                break;
            } else if (c == ':' && at(s, j + 1) == ':') {
                j += 2;
            } else {
                break;
            }
        }
        if (n == 0) throw error("unrecognized token", i);
        return j;
    }

    private static int operatorLength(String s, int i) throws SqlRefusal {
        char c = s.charAt(i);
        char d = at(s, i + 1);
        switch (c) {
            case '(', ')', '+', '*', '/', '%', ',', '&', '~', '.':
                return 1;
            case '-':
                return d != '>' ? 1 : at(s, i + 2) == '>' ? 3 : 2;
            case '=':
                return d == '=' ? 2 : 1;
            case '<':
                return d == '=' || d == '>' || d == '<' ? 2 : 1;
            case '>':
                return d == '=' || d == '>' ? 2 : 1;
            case '!':
                if (d == '=') return 2;
                break;
            case '|':
                return d == '|' ? 2 : 1;
            default:
                break;
        }
        throw error(c < 0x20 || c == 0x7f ? String.format("control character U+%04X", (int) c) : "unrecognized token", i);
    }

    /** Whether {@code refusal} is the lexer's for text that ends inside a string, quoted name or comment: more text could complete it. */
    static boolean isUnterminated(SqlRefusal refusal) {
        return refusal.getMessage().startsWith(UNTERMINATED);
    }

    private static SqlRefusal error(String what, int at) {
        return new SqlRefusal(ErrorCode.SQL_ERROR, what + " at offset " + at);
    }

    private static char at(String s, int i) {
        return i >= 0 && i < s.length() ? s.charAt(i) : 0;
    }

    // SQLite's character classes are ASCII; every byte >= 0x80 (so every non-ASCII character) is an identifier character.
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isIdStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    private static boolean isIdChar(char c) {
        return isIdStart(c) || isDigit(c) || c == '$';
    }
}
