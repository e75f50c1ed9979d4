package io.cairn.connectors.metadata;

import io.cairn.topics.avro.Tier;

/**
 * Which tenants a fleet listing returns: every filter that is set must match; none set lists all.
 *
 * @param tier          only tenants of this tier, or null for any
 * @param idleBeforeMs  only tenants whose last access is strictly before this time, or null for any
 * @param schemaVersion only tenants at this schema version, or null for any
 */
public record TenantQuery(Tier tier, Long idleBeforeMs, Integer schemaVersion) {
    public static final TenantQuery ALL = new TenantQuery(null, null, null);

    public TenantQuery {
        if (schemaVersion != null && schemaVersion < 0) throw new IllegalArgumentException("schemaVersion must be >= 0");
    }

    /**
     * The filters a listing's cursor must have been made under, as a short text without '|' or ':': the
     * tier, the schema version, and whether idleness is asked (its bound moves with the clock between pages,
     * so only its presence is pinned). A cursor followed under other filters would skip or repeat tenants.
     */
    public String shape() {
        return (tier == null ? "*" : tier.name().substring(0, 1).toLowerCase(java.util.Locale.ROOT)) + "."
                + (schemaVersion == null ? "*" : schemaVersion) + "." + (idleBeforeMs == null ? "*" : "i");
    }

    public boolean matches(TenantRecord r) {
        return (tier == null || r.tier() == tier)
                && (idleBeforeMs == null || r.lastAccessMs() < idleBeforeMs)
                && (schemaVersion == null || r.schemaVersion() == schemaVersion);
    }
}
