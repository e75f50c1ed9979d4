package io.cairn.connectors.sql;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/** STUB: to be replaced. Signatures are the contract. */
public final class ParameterBinder {
    private ParameterBinder() {}

    /**
     * Binds values (null, Boolean, Long, Double, String, byte[]) to {@code ps}. Positional values fill
     * slots 1..n in order; named values are looked up by the slot's name as written (":x") or bare ("x").
     */
    public static void bind(PreparedStatement ps, CheckedStatement st, List<Object> positional, Map<String, Object> named)
            throws SqlRefusal, SQLException {
        for (int i = 0; i < positional.size(); i++) ps.setObject(i + 1, positional.get(i));
    }
}
