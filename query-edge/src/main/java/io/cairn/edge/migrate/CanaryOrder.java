package io.cairn.edge.migrate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The order a run with a canary records its tenants in: the hot ones first. A cold tenant of a canary only waits for its
 * next thaw, which tells nothing of whether the versions work, and a run whose canary was five cold tenants sent its next
 * wave on no evidence (operator probe). Stateless.
 */
public final class CanaryOrder {
    private CanaryOrder() {}

    /** {@code tenants} with those {@code cold} says are not first, each part in the order given. */
    public static List<String> hotFirst(List<String> tenants, Predicate<String> cold) {
        List<String> hot = new ArrayList<>(tenants.size());
        List<String> later = new ArrayList<>();
        for (String t : tenants) (cold.test(t) ? later : hot).add(t);
        hot.addAll(later);
        return hot;
    }
}
