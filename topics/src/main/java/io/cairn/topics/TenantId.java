package io.cairn.topics;

import java.util.regex.Pattern;

/**
 * The one rule for tenant ids, shared by the edge (validates requests) and the applier (maps ids to
 * files). Ids are lower-case so that two ids can never name the same file on a case-insensitive
 * volume, and have no dots or slashes so that an id can never escape the tenants' directory.
 */
public final class TenantId {
    private static final Pattern VALID = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,62}$");

    private TenantId() {}

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** Returns {@code id} if valid, else throws {@link IllegalArgumentException} with a message a person can act on. */
    public static String require(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException(
                    "tenant id must match ^[a-z0-9][a-z0-9_-]{0,62}$ (lower-case letters, digits, '_' and '-', at most 63 characters)");
        }
        return id;
    }
}
