package io.cairn.tenantdb.sql;

/**
 * One token of SQL text as SQLite's tokenizer would cut it.
 *
 * @param kind what the token is
 * @param text the token exactly as written (quotes, prefixes and all)
 * @param start offset of its first character in the text
 */
public record Token(Kind kind, String text, int start) {

    /** Token kinds. Comments and whitespace are kept so the text can be rebuilt exactly. */
    public enum Kind {
        /** A bare word: a keyword or an unquoted identifier. */
        WORD,
        /** A quoted identifier: "x", `x` or [x]. */
        QUOTED_ID,
        /** A string literal '...'. */
        STRING,
        /** A blob literal X'..'. */
        BLOB,
        NUMBER,
        /** A parameter: ?, ?NNN, :name, @name, $name, #name. */
        PARAM,
        /** An operator or punctuation other than ';'. */
        OPERATOR,
        SEMICOLON,
        COMMENT,
        SPACE
    }

    /** End offset (exclusive) in the text. */
    public int end() {
        return start + text.length();
    }

    /** Whether SQLite ignores it between other tokens (whitespace and comments). */
    public boolean insignificant() {
        return kind == Kind.SPACE || kind == Kind.COMMENT;
    }

    /** Whether this is the bare word {@code word} (given in lower case), in any ASCII case as SQLite reads keywords. */
    public boolean isWord(String word) {
        return kind == Kind.WORD && asciiLower(text).equals(word);
    }

    /** Whether this is the operator {@code op}. */
    public boolean isOperator(String op) {
        return kind == Kind.OPERATOR && text.equals(op);
    }

    /**
     * The name an identifier token stands for: a bare word as written, a quoted identifier without its
     * quotes (doubled quotes undone). Null for other kinds.
     */
    public String identifier() {
        return switch (kind) {
            case WORD -> text;
            case QUOTED_ID -> {
                char q = text.charAt(0);
                String inner = text.substring(1, text.length() - 1);
                yield q == '[' ? inner : inner.replace(String.valueOf(q) + q, String.valueOf(q));
            }
            default -> null;
        };
    }

    /** The value of a string literal (quotes removed, '' undone); null for other kinds. */
    public String stringValue() {
        return kind == Kind.STRING ? text.substring(1, text.length() - 1).replace("''", "'") : null;
    }

    /** {@link #identifier()} in lower case, or null. */
    public String lowerIdentifier() {
        String id = identifier();
        return id == null ? null : asciiLower(id);
    }

    /** Lower-cases A-Z only: SQLite folds names by ASCII rules, so "_CAİRN_x" is not "_cairn_x" to it. */
    static String asciiLower(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (b == null) b = new StringBuilder(s);
                b.setCharAt(i, (char) (c + 32));
            }
        }
        return b == null ? s : b.toString();
    }
}
