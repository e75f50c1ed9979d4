package io.cairn.tenantdb.sql;

import io.cairn.topics.ErrorCode;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds a request's parameter values to the slots {@link StatementPolicy} found, refusing with code
 * {@code invalid_params} (the message names the slot or key) whenever values and slots do not match
 * one to one, so that SQLite never silently binds NULL to a forgotten slot.
 *
 * <p>Rules, for a statement with slots 1..n:
 * <ul>
 *   <li>Only positional values: exactly n of them, filling slots 1..n in order (named slots included).</li>
 *   <li>Only named values: every slot must be named; each slot takes the value whose key is its name as
 *       written (":x") or bare ("x", which matches ":x", "@x", "$x" and "#x"); every slot needs exactly
 *       one value and every key must match a slot.</li>
 *   <li>Both: positional values fill the positional slots ({@code ?}, {@code ?NNN}) in order, named
 *       values fill the named slots, each as above.</li>
 * </ul>
 * Values: null, Boolean (bound as 1 or 0, as SQLite has no boolean), Integer, Long, Double, String,
 * byte[]. Anything else is refused rather than converted by a guess.
 *
 * <p>Stateless and thread-safe; the statement is used by the caller's thread only.
 */
public final class ParameterBinder {
    private ParameterBinder() {}

    /**
     * Binds {@code positional} and {@code named} (either may be null or empty) to {@code ps}, prepared
     * from {@code st.sql()}.
     *
     * @throws SqlRefusal {@code invalid_params} when values and slots do not match or a value's type is unsupported
     * @throws SQLException when the driver fails to bind
     */
    public static void bind(PreparedStatement ps, CheckedStatement st, List<Object> positional, Map<String, Object> named)
            throws SqlRefusal, SQLException {
        Object[] values = match(st, positional, named);
        for (int i = 0; i < values.length; i++) set(ps, i + 1, values[i], st.parameterNames().get(i));
    }

    /**
     * The value of each of {@code st}'s slots, in slot order: every check {@link #bind} makes of values and slots, before
     * it binds anything (an edge refuses such a write before the log, with the applier's own words).
     *
     * @throws SqlRefusal {@code invalid_params} when values and slots do not match
     */
    public static Object[] match(CheckedStatement st, List<Object> positional, Map<String, Object> named) throws SqlRefusal {
        List<Object> pos = positional == null ? List.of() : positional;
        Map<String, Object> byName = named == null ? Map.of() : named;
        List<String> slots = st.parameterNames();
        Object[] values = new Object[slots.size()];
        boolean[] filled = new boolean[slots.size()];

        List<Integer> positionalSlots = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            if (byName.isEmpty() || slots.get(i) == null) positionalSlots.add(i);
        }
        if (pos.isEmpty() && byName.isEmpty() && !slots.isEmpty()) {
            List<String> shown = new ArrayList<>();
            for (int i = 0; i < slots.size() && shown.size() < 5; i++) shown.add(slots.get(i) == null ? "?" + (i + 1) : slots.get(i));
            throw invalid("the statement has " + slots.size() + " parameter slot(s) (" + String.join(", ", shown) + (slots.size() > 5 ? ", ..." : "")
                    + ") and no value was given (\"params\" is missing or empty): send one value per slot in \"params\" (an array in slot order, or an object by name)");
        }
        if (pos.size() != positionalSlots.size()) {
            throw invalid("expected " + positionalSlots.size() + " positional value(s), got " + pos.size()
                    + (byName.isEmpty() ? "" : " (named values fill the named slots)"));
        }
        for (int k = 0; k < pos.size(); k++) {
            values[positionalSlots.get(k)] = pos.get(k);
            filled[positionalSlots.get(k)] = true;
        }
        Map<String, List<Integer>> slotsByKey = byName.isEmpty() ? Map.of() : slotsByKey(slots);
        for (Map.Entry<String, Object> e : byName.entrySet()) {
            List<Integer> matching = e.getKey() == null ? null : slotsByKey.get(e.getKey());
            if (matching == null) throw invalid("no parameter named " + e.getKey() + " in the statement");
            for (int i : matching) {
                if (filled[i]) throw invalid("slot " + (i + 1) + " (" + slots.get(i) + ") is given more than one value");
                values[i] = e.getValue();
                filled[i] = true;
            }
        }
        for (int i = 0; i < slots.size(); i++) {
            if (!filled[i]) throw invalid("no value for slot " + (i + 1) + (slots.get(i) == null ? "" : " (" + slots.get(i) + ")"));
        }
        return values;
    }

    /**
     * Every key that names a slot, to the slots it names: a slot's name as written (":x") and bare ("x",
     * which names ":x", "@x", "$x" and "#x" alike). Built once per statement, so binding n values to n
     * slots is linear: a request with tens of thousands of named values costs what it weighs.
     */
    private static Map<String, List<Integer>> slotsByKey(List<String> slots) {
        Map<String, List<Integer>> out = new HashMap<>(slots.size() * 4);
        for (int i = 0; i < slots.size(); i++) {
            String slot = slots.get(i);
            if (slot == null) continue;
            out.computeIfAbsent(slot, k -> new ArrayList<>(1)).add(i);
            out.computeIfAbsent(slot.substring(1), k -> new ArrayList<>(1)).add(i);
        }
        return out;
    }

    private static void set(PreparedStatement ps, int index, Object v, String slotName) throws SqlRefusal, SQLException {
        switch (v) {
            case null -> ps.setNull(index, Types.NULL);
            case Boolean b -> ps.setLong(index, b ? 1 : 0);
            case Integer n -> ps.setLong(index, n);
            case Long n -> ps.setLong(index, n);
            case Double d -> ps.setDouble(index, d);
            case String s -> ps.setString(index, s);
            case byte[] b -> ps.setBytes(index, b);
            default -> throw invalid("slot " + index + (slotName == null ? "" : " (" + slotName + ")") + " has a value of type "
                    + v.getClass().getSimpleName() + "; supported: null, boolean, integer, double, string, bytes");
        }
    }

    private static SqlRefusal invalid(String message) {
        return new SqlRefusal(ErrorCode.INVALID_PARAMS, message);
    }
}
