package io.cairn.tenantdb.sql;

import io.cairn.tenantdb.sql.Token.Kind;
import io.cairn.topics.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Numbers a statement's parameters as SQLite does ({@code sqlite3ExprAssignVarNumber}): {@code ?} takes
 * the highest slot so far plus one; {@code ?NNN} is slot NNN; a named parameter ({@code :x}, {@code @x},
 * {@code $x}, {@code #x}) reuses the slot of an earlier identical token (same prefix, same name), else
 * takes the highest plus one. Named tokens with different prefixes are different slots, as in SQLite.
 */
final class ParameterSlots {
    /**
     * Most slots a statement may have. SQLite's long-standing default limit; this build would allow
     * 250,000, but no client needs that many and each slot costs the binder a check.
     */
    static final int MAX_SLOTS = 32_766;

    private ParameterSlots() {}

    /** Element {@code i} is slot {@code i + 1}'s name as written, or null for a positional slot. */
    static List<String> of(List<Token> tokens) throws SqlRefusal {
        List<String> names = new ArrayList<>();
        Map<String, Integer> byName = new HashMap<>();
        for (Token t : tokens) {
            if (t.kind() != Kind.PARAM) continue;
            String text = t.text();
            if (text.equals("?")) {
                names.add(null);
            } else if (text.charAt(0) == '?') {
                int slot = number(text);
                while (names.size() < slot) names.add(null);
            } else if (!byName.containsKey(text)) {
                names.add(text);
                byName.put(text, names.size());
            }
            if (names.size() > MAX_SLOTS) throw new SqlRefusal(ErrorCode.SQL_ERROR, "too many SQL parameters (at most " + MAX_SLOTS + ")");
        }
        return names;
    }

    private static int number(String text) throws SqlRefusal {
        String digits = text.substring(1);
        // Compare as text first: the digits may not fit in an int.
        String trimmed = digits.replaceFirst("^0+", "");
        if (trimmed.isEmpty() || trimmed.length() > 5 || Integer.parseInt(trimmed) > MAX_SLOTS) {
            throw new SqlRefusal(ErrorCode.SQL_ERROR, "parameter " + text + " is out of range: use ?1 to ?" + MAX_SLOTS);
        }
        return Integer.parseInt(trimmed);
    }
}
