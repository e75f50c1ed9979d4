package io.cairn.tenantdb.sql;

/** Java strings that are not Unicode: an unpaired surrogate becomes {@code ?} on its way to UTF-8 (the log, SQLite). */
public final class Utf16 {
    private Utf16() {}

    /** The index of the first unpaired surrogate in {@code s}, or -1 when there is none. */
    public static int unpairedSurrogateAt(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
