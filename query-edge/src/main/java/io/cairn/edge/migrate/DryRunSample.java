package io.cairn.edge.migrate;

import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.TenantState;
import io.cairn.topics.avro.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The tenants a dry run tries: a random sample of the list's hot tenants not at the target version yet, drawn from the
 * whole list as a reservoir (the first ones of a list are often the oldest or the test tenants, the least like the rest),
 * and counts of those left out. A dry run thaws nobody, and a tenant already at the target has nothing to try (a tenant
 * made from the template at that version was counted as would_apply). Stateless.
 *
 * @param picked the sampled tenants
 * @param cold tenants of the list left out because they are cold
 * @param atTarget hot tenants of the list already at the target version or past it (counted only when no new versions are tried)
 */
public record DryRunSample(List<String> picked, int cold, int atTarget) {
    /**
     * Draws up to {@code sample} of {@code tenants}, each looked up with {@code state} (empty: deleted since the list was
     * checked); {@code newVersions} true when the dry run tries versions not registered yet, new to every tenant.
     */
    public static DryRunSample draw(List<String> tenants, Function<String, Optional<TenantState>> state, String set, int target,
            boolean newVersions, int sample, RandomGenerator random) {
        List<String> picked = new ArrayList<>();
        int hot = 0;
        int cold = 0;
        int there = 0;
        for (String t : tenants) {
            TenantState st = state.apply(t).orElse(null);
            if (st == null) continue;
            if (st.getTier() != Tier.HOT) {
                cold++;
                continue;
            }
            if (!newVersions && versionOf(st, set) >= target) {
                there++;
                continue;
            }
            if (++hot <= sample) picked.add(t);
            else if (random.nextInt(hot) < sample) picked.set(random.nextInt(sample), t);
        }
        return new DryRunSample(picked, cold, there);
    }

    /** The tenant's version of {@code set} as its directory entry shows it; 0 when it never met the set. */
    private static int versionOf(TenantState st, String set) {
        if (st.getMigrations() == null) return 0;
        for (SetVersion v : st.getMigrations()) if (v.getSet().equals(set)) return v.getVersion();
        return 0;
    }
}
