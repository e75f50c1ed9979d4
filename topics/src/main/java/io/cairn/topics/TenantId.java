package io.cairn.topics;

/**
 * The one rule for tenant ids, shared by the edge (validates requests) and the applier (maps ids to
 * files). Ids are lower-case so that two ids can never name the same file on a case-insensitive
 * volume, and have no dots or slashes so that an id can never escape the tenants' directory.
 */
public final class TenantId {
    /** The rule, as a pattern (for messages and documentation): {@link #isValid} checks it without a regex, on every request. */
    static final String PATTERN = "^[a-z0-9][a-z0-9_-]{0,62}$";

    /** The rule in words, for a refusal a person can act on: what may be in an id, then the pattern. */
    public static final String RULE = "1 to 63 characters: lower-case letters, digits, '_' and '-', the first a letter or a digit ("
            + PATTERN + ")";

    private TenantId() {}

    public static boolean isValid(String id) {
        if (id == null || id.isEmpty() || id.length() > 63 || !isLowerAlnum(id.charAt(0))) return false;
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isLowerAlnum(c) && c != '_' && c != '-') return false;
        }
        return true;
    }

    private static boolean isLowerAlnum(char c) {
        return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
    }

    /** Returns {@code id} if valid, else throws {@link IllegalArgumentException} with a message a person can act on. */
    public static String require(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException(
                    "a tenant id is " + RULE);
        }
        return id;
    }
}
