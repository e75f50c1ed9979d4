package io.cairn.connectors.sql;

import java.util.List;

/** STUB: to be replaced by the real policy (see SqlLexer). Signatures are the contract. */
public final class StatementPolicy {
    private StatementPolicy() {}

    /** Checks one statement of a write batch; returns the SQL to run. */
    public static CheckedStatement checkWrite(String sql) throws SqlRefusal {
        return new CheckedStatement(sql, List.of());
    }

    /** Checks one read statement; returns the SQL to run. */
    public static CheckedStatement checkRead(String sql) throws SqlRefusal {
        return new CheckedStatement(sql, List.of());
    }
}
