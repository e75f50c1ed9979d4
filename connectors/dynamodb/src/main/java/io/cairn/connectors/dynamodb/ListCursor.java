package io.cairn.connectors.dynamodb;

import io.cairn.topics.TenantId;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a fleet listing stands: which index it walks ({@code i}: tier and last access, {@code s}:
 * schema version) under which filters ({@code TenantQuery.shape()}: a position means another partition-key
 * value under other filters), the position in its list of partition-key values, and the last item returned
 * from it (null to start that value). Opaque to callers.
 */
record ListCursor(char index, String shape, int position, String lastTenant, long lastAccessMs) {

    static ListCursor start(char index, String shape) {
        return new ListCursor(index, shape, 0, null, 0);
    }

    ListCursor next() {
        return new ListCursor(index, shape, position + 1, null, 0);
    }

    ListCursor after(String tenant, long accessMs) {
        return new ListCursor(index, shape, position, tenant, accessMs);
    }

    String encode() {
        String text = "l2|" + index + "|" + shape + "|" + position + "|" + (lastTenant == null ? "" : lastTenant) + "|" + lastAccessMs;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static ListCursor decode(String cursor, char expectedIndex, String expectedShape) {
        try {
            String[] p = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", -1);
            if (p.length != 6 || !p[0].equals("l2") || p[1].length() != 1 || p[1].charAt(0) != expectedIndex || !p[2].equals(expectedShape)) {
                throw new IllegalArgumentException();
            }
            int position = Integer.parseInt(p[3]);
            if (position < 0 || !(p[4].isEmpty() || TenantId.isValid(p[4]))) throw new IllegalArgumentException();
            return new ListCursor(p[1].charAt(0), p[2], position, p[4].isEmpty() ? null : p[4], Long.parseLong(p[5]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cursor returned by listTenants for these filters", e);
        }
    }
}
