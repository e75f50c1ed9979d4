package io.cairn.topics;

/**
 * A position in a tenant's log: the partition of cairn.tenant-log that holds the tenant and an offset
 * in it. Records of one tenant share a partition, so for one tenant bookmarks are totally ordered by
 * offset. Written as {@code "<partition>:<offset>"}; clients treat it as opaque.
 */
public record Bookmark(int partition, long offset) implements Comparable<Bookmark> {

    /** The bookmark of a tenant nothing has been applied for yet. */
    public static final Bookmark NONE = new Bookmark(0, -1);

    public Bookmark {
        if (partition < 0) throw new IllegalArgumentException("partition must be >= 0");
        if (offset < -1) throw new IllegalArgumentException("offset must be >= -1");
    }

    /** Parses {@code "<partition>:<offset>"}; throws {@link IllegalArgumentException} on anything else. */
    public static Bookmark parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        // ASCII digits only, as written: Integer.parseInt also took "+5" and other scripts' digits (an Arabic-Indic three read as 3)
        if (colon <= 0 || colon == text.length() - 1 || !text.chars().allMatch(c -> c == ':' || (c >= '0' && c <= '9'))) {
            throw new IllegalArgumentException("bookmark must look like \"3:1042\", as returned by a write or a read");
        }
        try {
            return new Bookmark(Integer.parseInt(text, 0, colon, 10), Long.parseLong(text, colon + 1, text.length(), 10));
        } catch (IllegalArgumentException e) { // not numbers, or a negative partition or offset
            throw new IllegalArgumentException("bookmark must look like \"3:1042\", as returned by a write or a read");
        }
    }

    /** True when a copy that has applied up to {@code this} has seen everything up to {@code other}. */
    public boolean covers(Bookmark other) {
        return offset >= other.offset;
    }

    @Override
    public int compareTo(Bookmark o) {
        return Long.compare(offset, o.offset);
    }

    @Override
    public String toString() {
        return partition + ":" + offset;
    }
}
