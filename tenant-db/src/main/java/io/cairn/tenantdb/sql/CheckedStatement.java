package io.cairn.tenantdb.sql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One statement that passed {@link StatementPolicy}: the SQL to hand to SQLite (possibly rewritten so
 * it executes deterministically) and the SQLite parameter slots it has, in SQLite's numbering.
 *
 * @param sql the text to prepare
 * @param parameterNames element {@code i} is the name of parameter slot {@code i + 1} as written
 *     (":x", "@x", "$x"), or null for a positional slot ("?" or "?NNN")
 */
public record CheckedStatement(String sql, List<String> parameterNames) {
    public CheckedStatement {
        // Not List.copyOf: positional slots are null elements, which List.copyOf rejects.
        parameterNames = parameterNames == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(parameterNames));
    }
}
