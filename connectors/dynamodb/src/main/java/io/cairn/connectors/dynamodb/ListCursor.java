package io.cairn.connectors.dynamodb;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a fleet listing stands: which index it walks ({@code i}: tier and last access, {@code s}:
 * schema version), the position in its list of partition-key values, and the last item returned
 * from it (null to start that value). Opaque to callers.
 */
record ListCursor(char index, int position, String lastTenant, long lastAccessMs) {

    static ListCursor start(char index) {
        return new ListCursor(index, 0, null, 0);
    }

    ListCursor next() {
        return new ListCursor(index, position + 1, null, 0);
    }

    String encode() {
        String text = "l1|" + index + "|" + position + "|" + (lastTenant == null ? "" : lastTenant) + "|" + lastAccessMs;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static ListCursor decode(String cursor, char expectedIndex) {
        try {
            String[] p = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", -1);
            if (p.length != 5 || !p[0].equals("l1") || p[1].length() != 1 || p[1].charAt(0) != expectedIndex) {
                throw new IllegalArgumentException();
            }
            int position = Integer.parseInt(p[2]);
            if (position < 0) throw new IllegalArgumentException();
            return new ListCursor(p[1].charAt(0), position, p[3].isEmpty() ? null : p[3], Long.parseLong(p[4]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cursor returned by listTenants for these filters", e);
        }
    }
}
