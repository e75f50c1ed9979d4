package io.cairn.connectors.snapshot;

import io.cairn.topics.TenantId;
import java.util.OptionalLong;

/**
 * The one mapping between (tenant, offset) and object keys: {@code tenants/{tenant}/snapshots/{offset}}
 * with the offset zero-padded to 20 digits (enough for any long), so lexical order of keys is numeric
 * order of offsets.
 */
public final class SnapshotKeys {
    private static final int OFFSET_DIGITS = 20;

    private SnapshotKeys() {}

    /** Prefix of every key of the tenant; the trailing slash keeps tenant "a" from matching "ab". */
    public static String prefix(String tenant) {
        return "tenants/" + TenantId.require(tenant) + "/snapshots/";
    }

    /** The key of an imported file of the tenant: {@code tenants/{tenant}/imports/{id}}, apart from its snapshots. */
    public static String importKey(String tenant, String id) {
        if (id == null || !id.matches("[A-Za-z0-9-]{1,64}")) throw new IllegalArgumentException("import id must match [A-Za-z0-9-]{1,64}");
        return "tenants/" + TenantId.require(tenant) + "/imports/" + id;
    }

    public static String key(String tenant, long offset) {
        return prefix(tenant) + offsetName(offset);
    }

    public static String offsetName(long offset) {
        requireOffset(offset);
        return String.format("%0" + OFFSET_DIGITS + "d", offset);
    }

    /** The offset named by the last path segment, or empty for anything Cairn did not write. */
    public static OptionalLong parseOffset(String keyOrName) {
        String name = keyOrName.substring(keyOrName.lastIndexOf('/') + 1);
        if (name.length() != OFFSET_DIGITS || !name.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(name));
        } catch (NumberFormatException overflow) {
            return OptionalLong.empty();
        }
    }

    public static long requireOffset(long offset) {
        if (offset < 0) throw new IllegalArgumentException("snapshot offset must be >= 0, was " + offset);
        return offset;
    }
}
